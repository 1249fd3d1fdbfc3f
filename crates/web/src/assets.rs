//! Static files compiled into the binary: the keyboard script, the web
//! manifest and the icons (the stylesheet is served by `pages`).
//!
//! None of them is versioned in its address, so they are cached for an hour
//! (the script, which changes with the pages) or a day (the manifest and
//! icons), not forever. `icon-*.png` and `icon.svg` are drawn by
//! `static/make_icons.py`.

use axum::http::header;
use axum::response::IntoResponse;

const HOUR: &str = "public, max-age=3600";
const DAY: &str = "public, max-age=86400";

static KEYS_SCRIPT: &str = include_str!("../static/keys.js");
static MANIFEST: &str = include_str!("../static/manifest.webmanifest");
static ICON_SVG: &str = include_str!("../static/icon.svg");
static ICON_192: &[u8] = include_bytes!("../static/icon-192.png");
static ICON_512: &[u8] = include_bytes!("../static/icon-512.png");

fn asset(content_type: &'static str, cache: &'static str, body: &'static [u8]) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, cache)],
        body,
    )
}

/// `/static/keys.js`: j/k, o, /, g h and ? (see the file's head).
pub(crate) async fn keys_script() -> impl IntoResponse {
    asset("text/javascript; charset=utf-8", HOUR, KEYS_SCRIPT.as_bytes())
}

/// `/manifest.webmanifest`: what a browser needs to install the site.
pub(crate) async fn manifest() -> impl IntoResponse {
    asset("application/manifest+json", DAY, MANIFEST.as_bytes())
}

pub(crate) async fn icon_svg() -> impl IntoResponse {
    asset("image/svg+xml", DAY, ICON_SVG.as_bytes())
}

pub(crate) async fn icon_192() -> impl IntoResponse {
    asset("image/png", DAY, ICON_192)
}

pub(crate) async fn icon_512() -> impl IntoResponse {
    asset("image/png", DAY, ICON_512)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use crate::test_support::Fixture;

    /// Status, content type, cache control and body bytes of a GET.
    async fn fetch(fx: &Fixture, uri: &str) -> (StatusCode, String, String, Vec<u8>) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = crate::router(fx.state.clone(), crate::Limits::DEFAULT.request_timeout)
            .oneshot(request)
            .await
            .unwrap();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let (status, content_type, cache) = (response.status(), header("content-type"), header("cache-control"));
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, content_type, cache, body.to_vec())
    }

    #[tokio::test]
    async fn static_files_are_served_with_their_types_and_caching() {
        let fx = Fixture::new().await;
        for (uri, content_type, cache) in [
            ("/static/style.css", "text/css; charset=utf-8", "public, max-age=3600"),
            (
                "/static/keys.js",
                "text/javascript; charset=utf-8",
                "public, max-age=3600",
            ),
            (
                "/manifest.webmanifest",
                "application/manifest+json",
                "public, max-age=86400",
            ),
            ("/static/icon.svg", "image/svg+xml", "public, max-age=86400"),
            ("/static/icon-192.png", "image/png", "public, max-age=86400"),
            ("/static/icon-512.png", "image/png", "public, max-age=86400"),
        ] {
            let (status, got_type, got_cache, body) = fetch(&fx, uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(got_type, content_type, "{uri}");
            assert_eq!(got_cache, cache, "{uri}");
            assert!(!body.is_empty(), "{uri}");
        }
        let (_, _, _, script) = fetch(&fx, "/static/keys.js").await;
        let script = String::from_utf8(script).unwrap();
        for key in [
            "\"j\"",
            "\"k\"",
            "\"o\"",
            "\"Enter\"",
            "\"/\"",
            "\"g\"",
            "\"h\"",
            "\"?\"",
        ] {
            assert!(script.contains(key), "keys.js lacks {key}");
        }
        assert!(!script.contains("eval(") && !script.contains("innerHTML"));
        let (status, _, _, _) = fetch(&fx, "/static/nothing.js").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    /// Width and height from a PNG's IHDR chunk.
    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&bytes[12..16], b"IHDR");
        let word = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        (word(16), word(20))
    }

    #[tokio::test]
    async fn the_manifest_is_valid_and_its_icons_exist() {
        let fx = Fixture::new().await;
        let (_, _, _, body) = fetch(&fx, "/manifest.webmanifest").await;
        let manifest: serde_json::Value = serde_json::from_slice(&body).expect("manifest is JSON");
        assert_eq!(manifest["name"], "ravenwire");
        assert_eq!(manifest["start_url"], "/");
        assert_eq!(manifest["display"], "standalone");
        assert!(manifest["theme_color"].as_str().unwrap().starts_with('#'));
        let icons = manifest["icons"].as_array().unwrap();
        let mut sizes = Vec::new();
        for icon in icons {
            let src = icon["src"].as_str().unwrap();
            let (status, content_type, _, bytes) = fetch(&fx, src).await;
            assert_eq!(status, StatusCode::OK, "{src}");
            assert_eq!(content_type, icon["type"], "{src}");
            if content_type == "image/png" {
                let (w, h) = png_size(&bytes);
                assert_eq!(icon["sizes"], format!("{w}x{h}"), "{src}");
                sizes.push(w);
            } else {
                assert!(String::from_utf8(bytes).unwrap().starts_with("<svg"));
            }
        }
        assert!(sizes.contains(&192) && sizes.contains(&512), "{sizes:?}");
        assert!(icons.iter().any(|i| i["purpose"] == "maskable"));

        // Every page links it, with the theme colours and the icon.
        let page = String::from_utf8(fetch(&fx, "/").await.3).unwrap();
        let head = &page[..page.find("</head>").unwrap()];
        for needed in [
            "<link rel=\"manifest\" href=\"/manifest.webmanifest\">",
            "<meta name=\"theme-color\" content=\"#fbfaf7\" media=\"(prefers-color-scheme: light)\">",
            "<meta name=\"theme-color\" content=\"#15171a\" media=\"(prefers-color-scheme: dark)\">",
            "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">",
        ] {
            assert!(head.contains(needed), "{needed}: {head}");
        }
    }

    /// The custom properties of the first `:root { ... }` in `css`.
    fn variables(css: &str) -> HashMap<String, String> {
        let start = css.find(":root {").expect(":root block") + ":root {".len();
        let block = &css[start..start + css[start..].find('}').unwrap()];
        block
            .split(';')
            .filter_map(|declaration| {
                let (name, value) = declaration.trim().split_once(':')?;
                name.starts_with("--")
                    .then(|| (name.to_string(), value.trim().to_string()))
            })
            .collect()
    }

    fn luminance(hex: &str) -> f64 {
        let hex = hex.trim_start_matches('#');
        assert_eq!(hex.len(), 6, "{hex}");
        let channel = |at: usize| {
            let c = f64::from(u8::from_str_radix(&hex[at..at + 2], 16).unwrap()) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    /// The WCAG contrast ratio of two colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn both_themes_have_enough_contrast() {
        let css = super::super::pages::STYLESHEET;
        let light = variables(css);
        let dark_at = css.find("@media (prefers-color-scheme: dark)").expect("a dark theme");
        let mut dark = light.clone();
        dark.extend(variables(&css[dark_at..]));
        assert_ne!(light["--paper"], dark["--paper"]);
        // Text on the backgrounds it is set on: at least 4.5:1 (WCAG AA).
        let text = [
            ("--ink", "--paper"),
            ("--ink", "--panel"),
            ("--ink", "--chip"),
            ("--ink", "--notice"),
            ("--muted", "--paper"),
            ("--muted", "--panel"),
            ("--muted", "--chip"),
            ("--accent", "--paper"),
            ("--accent", "--panel"),
            ("--on-accent", "--accent"),
        ];
        // Focus rings and field borders: at least 3:1 (WCAG 1.4.11).
        let outlines = [("--focus", "--paper"), ("--focus", "--panel"), ("--muted", "--panel")];
        for (theme, colours) in [("light", &light), ("dark", &dark)] {
            for (pairs, least) in [(&text[..], 4.5), (&outlines[..], 3.0)] {
                for (fg, bg) in pairs {
                    let ratio = contrast(&colours[*fg], &colours[*bg]);
                    assert!(ratio >= least, "{theme}: {fg} on {bg} is {ratio:.2}:1");
                }
            }
        }
    }
}
