//! Prometheus metrics at `/metrics`, in the Prometheus text format (0.0.4).
//!
//! Two kinds of figure:
//! - Request latency, `ravenwire_http_request_duration_seconds`, a
//!   histogram kept in memory by [`record_latency`], the one middleware
//!   every route passes through. It is labelled by route *pattern* (axum's
//!   [`MatchedPath`], such as `/story/{id}`), never by the path asked for, so
//!   that a crawler walking ids cannot make a series per id; requests that
//!   match no route share the route `unmatched`. The method is one of the
//!   standard ones or `other`, and the status is its class (`2xx`...).
//! - What the store holds, read from it at each scrape, so they are right
//!   whichever process (server, `fetch`, `import`) did the work: articles,
//!   stories, copies and sources; polls by outcome; how far the scheduler
//!   is behind; how many articles the search index lacks.
//!
//! Nothing is kept in a global: each [`crate::router`] has its own
//! [`Metrics`], which the middleware hands to the scrape handler as a request
//! extension. Like `/healthz`, the metrics are public and read-only.

use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::Utc;
use prometheus_client::encoding::{prometheus_text, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::{api, AppState, Error};

/// Upper bounds of the latency buckets, in seconds: Prometheus's usual
/// ones, and the default request timeout (30 s) on top.
const LATENCY_BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// The route label of a request that matched no route.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

type LatencyFamily = Family<RequestLabels, Histogram, fn() -> Histogram>;

/// The in-memory metrics of one router.
#[derive(Clone, Debug)]
pub(crate) struct Metrics {
    latency: LatencyFamily,
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        Metrics {
            latency: Family::new_with_constructor(|| Histogram::new(LATENCY_BUCKETS)),
        }
    }
}

/// Times every request, from routing to the response head, and hands the
/// metrics on to [`scrape`].
pub(crate) async fn record_latency(State(metrics): State<Metrics>, mut request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_string();
    let method = method_label(request.method());
    request.extensions_mut().insert(metrics.clone());
    let started = Instant::now();
    let response = next.run(request).await;
    let labels = RequestLabels {
        route,
        method,
        status: status_class(response.status()),
    };
    metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    response
}

/// A client can send any token as a method; only the standard ones get a
/// series of their own.
fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    STANDARD.iter().find(|m| *m == method).map_or("other", |m| m.as_str())
}

fn status_class(status: StatusCode) -> &'static str {
    match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        5 => "5xx",
        _ => "other",
    }
}

fn gauge(registry: &mut Registry, name: &str, help: &str, value: u64) {
    let gauge = Gauge::<i64>::default();
    gauge.set(i64::try_from(value).unwrap_or(i64::MAX));
    registry.register(name, help, gauge);
}

/// `GET /metrics`: the store's figures as they are now, and the latency
/// histograms so far.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 500, description = "The store or the index failed (an HTML error page)", content_type = "text/html"),
        (status = 503, description = "The request took too long (an HTML error page)", content_type = "text/html"),
    ),
)]
pub(crate) async fn scrape(
    State(state): State<AppState>,
    Extension(metrics): Extension<Metrics>,
) -> Result<Response, Error> {
    let now = Utc::now();
    let stats = state.store.stats().await?;
    let copies = state.store.count_copies().await?;
    let polls = state.store.poll_outcomes().await?;
    let oldest_due = state.store.oldest_due(now).await?;
    let index = api::index_lag(&state, stats.articles).await?;

    let mut registry = Registry::default();
    gauge(&mut registry, "ravenwire_articles", "Articles stored", stats.articles);
    gauge(&mut registry, "ravenwire_stories", "Stories", stats.stories);
    gauge(
        &mut registry,
        "ravenwire_copies",
        "Articles that are copies or re-dated copies of an earlier one",
        copies,
    );
    gauge(
        &mut registry,
        "ravenwire_sources",
        "Sources (feeds, sites and sitemaps)",
        stats.sources,
    );
    gauge(
        &mut registry,
        "ravenwire_index_lag",
        "Stored articles that the search index lacks",
        index.lag,
    );

    let fetches = Family::<OutcomeLabels, Counter>::default();
    for (outcome, n) in [
        ("ok", polls.ok),
        ("not_modified", polls.not_modified),
        ("error", polls.error),
    ] {
        fetches.get_or_create(&OutcomeLabels { outcome }).inc_by(n);
    }
    registry.register(
        "ravenwire_fetches",
        "Polls of feeds and sitemaps, by outcome (an error, a 304 Not Modified, or ok)",
        fetches,
    );

    // Milliseconds are plenty; a due time in the future (clocks apart) is 0.
    let lag = Gauge::<f64, AtomicU64>::default();
    lag.set(oldest_due.map_or(0.0, |due| (now - due).num_milliseconds().max(0) as f64 / 1000.0));
    registry.register(
        "ravenwire_scheduler_lag_seconds",
        "How long the longest-waiting due source has been due (0 when none is): \
         grows while no gathering runs or it cannot keep up",
        lag,
    );

    registry.register(
        "ravenwire_http_request_duration_seconds",
        "Time from routing a request to its response head, by route pattern, method and status class",
        metrics.latency.clone(),
    );

    let mut text = String::new();
    prometheus_text::encode(&mut text, &registry).map_err(Error::Metrics)?;
    Ok(([(header::CONTENT_TYPE, prometheus_text::CONTENT_TYPE)], text).into_response())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use chrono::Duration;
    use model::{Source, SourceKind};
    use store::{FeedState, PollRecord};
    use tower::ServiceExt;

    use crate::test_support::Fixture;

    /// One sample line: its name, labels and value.
    #[derive(Debug)]
    struct Sample {
        name: String,
        labels: BTreeMap<String, String>,
        value: f64,
    }

    fn is_metric_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    }

    fn is_label_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    }

    fn parse_value(text: &str) -> Result<f64, String> {
        match text {
            "+Inf" => Ok(f64::INFINITY),
            "-Inf" => Ok(f64::NEG_INFINITY),
            "NaN" => Ok(f64::NAN),
            _ => text.parse().map_err(|e| format!("bad value {text:?}: {e}")),
        }
    }

    /// `{a="1",b="x\"y"}` up to its closing brace: the labels and the rest.
    fn parse_labels(text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
        let mut labels = BTreeMap::new();
        let mut rest = text.strip_prefix('{').ok_or("no {")?;
        loop {
            if let Some(after) = rest.strip_prefix('}') {
                return Ok((labels, after));
            }
            let (name, after) = rest.split_once("=\"").ok_or_else(|| format!("no =\" in {rest:?}"))?;
            if !is_label_name(name) {
                return Err(format!("bad label name {name:?}"));
            }
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => match chars.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?}")),
                    },
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => return Err("unterminated label value".to_string()),
                }
            };
            if labels.insert(name.to_string(), value).is_some() {
                return Err(format!("label {name} twice"));
            }
            rest = &after[end + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
    }

    /// Parses the Prometheus text format (0.0.4) line by line, strictly:
    /// each family has its HELP and TYPE before its samples, each sample
    /// belongs to the family declared last (with the histogram suffixes),
    /// and each histogram's `+Inf` bucket equals its count.
    fn parse(text: &str) -> Result<Vec<Sample>, String> {
        if !text.ends_with('\n') {
            return Err("the text does not end with a newline".to_string());
        }
        let mut samples = Vec::new();
        let mut types: HashMap<String, String> = HashMap::new();
        let mut helped = Vec::new();
        let mut current: Option<(String, String)> = None;
        for (n, line) in text.lines().enumerate() {
            let at = |e: String| format!("line {}: {e}: {line:?}", n + 1);
            if let Some(help) = line.strip_prefix("# HELP ") {
                let (name, _) = help.split_once(' ').ok_or_else(|| at("HELP without text".into()))?;
                if !is_metric_name(name) || helped.contains(&name.to_string()) {
                    return Err(at(format!("bad or repeated HELP for {name}")));
                }
                helped.push(name.to_string());
            } else if let Some(declared) = line.strip_prefix("# TYPE ") {
                let (name, kind) = declared
                    .split_once(' ')
                    .ok_or_else(|| at("TYPE without a type".into()))?;
                if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind) {
                    return Err(at(format!("unknown type {kind}")));
                }
                if !helped.contains(&name.to_string()) || types.contains_key(name) {
                    return Err(at(format!("TYPE of {name} without HELP before it, or twice")));
                }
                types.insert(name.to_string(), kind.to_string());
                current = Some((name.to_string(), kind.to_string()));
            } else if line.starts_with('#') {
                return Err(at("a comment that is neither HELP nor TYPE".into()));
            } else {
                let name_end = line.find(['{', ' ']).ok_or_else(|| at("no value".into()))?;
                let name = &line[..name_end];
                let (labels, rest) = if line[name_end..].starts_with('{') {
                    parse_labels(&line[name_end..]).map_err(at)?
                } else {
                    (BTreeMap::new(), &line[name_end..])
                };
                let mut fields = rest.trim_start_matches(' ').split(' ');
                let value = parse_value(fields.next().unwrap_or_default()).map_err(at)?;
                if let Some(timestamp) = fields.next() {
                    timestamp
                        .parse::<i64>()
                        .map_err(|e| at(format!("bad timestamp: {e}")))?;
                }
                if fields.next().is_some() || !is_metric_name(name) {
                    return Err(at("a bad sample".into()));
                }
                let (family, kind) = current.as_ref().ok_or_else(|| at("a sample before any TYPE".into()))?;
                let belongs = match kind.as_str() {
                    "histogram" => ["_bucket", "_sum", "_count"]
                        .iter()
                        .any(|suffix| name.strip_suffix(suffix) == Some(family.as_str())),
                    _ => name == family,
                };
                if !belongs {
                    return Err(at(format!("{name} is not of the family {family}")));
                }
                if name.ends_with("_bucket") && !labels.contains_key("le") {
                    return Err(at("a bucket without le".into()));
                }
                samples.push(Sample {
                    name: name.to_string(),
                    labels,
                    value,
                });
            }
        }
        for count in samples.iter().filter(|s| s.name.ends_with("_count")) {
            let family = count.name.trim_end_matches("_count");
            let inf = samples.iter().find(|s| {
                s.name == format!("{family}_bucket")
                    && s.labels.get("le").map(String::as_str) == Some("+Inf")
                    && s.labels.iter().filter(|(k, _)| *k != "le").eq(count.labels.iter())
            });
            if inf.map(|s| s.value) != Some(count.value) {
                return Err(format!(
                    "{} {:?}: the +Inf bucket is not the count",
                    count.name, count.labels
                ));
            }
        }
        Ok(samples)
    }

    /// The value of the one sample with this name and these labels.
    fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let wanted: BTreeMap<String, String> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let found: Vec<_> = samples
            .iter()
            .filter(|s| s.name == name && s.labels == wanted)
            .collect();
        assert!(found.len() <= 1, "{name} {labels:?} more than once");
        found.first().map(|s| s.value)
    }

    async fn scrape(fx: &Fixture) -> Vec<Sample> {
        let reply = fx.get("/metrics").await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
        parse(&reply.body).unwrap_or_else(|e| panic!("{e}\n{}", reply.body))
    }

    #[tokio::test]
    async fn gauges_match_the_fixture() {
        let fx = Fixture::new().await;
        let samples = scrape(&fx).await;
        let gauge = |name| value(&samples, name, &[]);
        assert_eq!(gauge("ravenwire_articles"), Some(4.0));
        assert_eq!(gauge("ravenwire_stories"), Some(2.0));
        // The wire echo and the re-dated re-run.
        assert_eq!(gauge("ravenwire_copies"), Some(2.0));
        assert_eq!(gauge("ravenwire_sources"), Some(0.0));
        assert_eq!(gauge("ravenwire_index_lag"), Some(0.0));
        assert_eq!(gauge("ravenwire_scheduler_lag_seconds"), Some(0.0));
        for outcome in ["ok", "not_modified", "error"] {
            let fetches = value(&samples, "ravenwire_fetches_total", &[("outcome", outcome)]);
            assert_eq!(fetches, Some(0.0), "{outcome}");
        }
    }

    #[tokio::test]
    async fn polls_scheduler_lag_and_index_lag_are_read_from_the_store_at_each_scrape() {
        let fx = Fixture::new().await;
        let store = &fx.state.store;
        let feed = Source {
            kind: SourceKind::Feed,
            url: "https://saltmarsh.example/rss".to_string(),
            title: Some("Saltmarsh Herald".to_string()),
        };
        let id = store.add_source(&feed).await.unwrap();
        let now = chrono::Utc::now();
        let poll = |status, error: Option<&str>, not_modified| PollRecord {
            source: id,
            at: now - Duration::hours(2),
            status: Some(status),
            error: error.map(str::to_string),
            bytes: 0,
            entries: 0,
            new_articles: 0,
            not_modified,
            duration_ms: 5,
        };
        // Due an hour ago, after three polls.
        let state = FeedState {
            next_poll: Some(now - Duration::hours(1)),
            ..FeedState::default()
        };
        for p in [
            poll(200, None, false),
            poll(304, None, true),
            poll(500, Some("status 500 from https://saltmarsh.example/rss"), false),
        ] {
            store.record_poll(&p, &state).await.unwrap();
        }
        fx.add_story_with_title("Ferry timetable changes", "https://odd.example/ferry")
            .await;

        let samples = scrape(&fx).await;
        for outcome in ["ok", "not_modified", "error"] {
            let fetches = value(&samples, "ravenwire_fetches_total", &[("outcome", outcome)]);
            assert_eq!(fetches, Some(1.0), "{outcome}");
        }
        assert_eq!(value(&samples, "ravenwire_sources", &[]), Some(1.0));
        assert_eq!(value(&samples, "ravenwire_articles", &[]), Some(5.0));
        assert_eq!(value(&samples, "ravenwire_stories", &[]), Some(3.0));
        assert_eq!(
            value(&samples, "ravenwire_index_lag", &[]),
            Some(1.0),
            "the new article is not indexed"
        );
        let lag = value(&samples, "ravenwire_scheduler_lag_seconds", &[]).unwrap();
        // At least the hour; the upper bound only guards against units.
        assert!((3600.0..7200.0).contains(&lag), "{lag}");
    }

    #[tokio::test]
    async fn request_latency_is_a_histogram_by_route_pattern_method_and_status_class() {
        let fx = Fixture::new().await;
        // One router for every request, as the server has.
        let app = crate::router(fx.state.clone(), crate::Limits::DEFAULT.request_timeout);
        let send = |method: &str, uri: String| {
            let request = Request::builder().method(method).uri(uri).body(Body::empty()).unwrap();
            app.clone().oneshot(request)
        };
        let before = send("GET", "/metrics".to_string()).await.unwrap();
        let body = axum::body::to_bytes(before.into_body(), 1 << 20).await.unwrap();
        let before = String::from_utf8(body.to_vec()).unwrap();
        assert!(!before.contains("/api/v1/stories"), "{before}");

        for id in [fx.bridge_story, fx.orchard_story] {
            let story = send("GET", format!("/api/v1/stories/{id}")).await.unwrap();
            assert_eq!(story.status(), StatusCode::OK);
        }
        let missing = send("GET", "/api/v1/stories/424242".to_string()).await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        let unknown = send("GET", "/no/such/page/12345".to_string()).await.unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        let odd = send("BREW", "/".to_string()).await.unwrap();
        assert_eq!(odd.status(), StatusCode::METHOD_NOT_ALLOWED);

        let response = send("GET", "/metrics".to_string()).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let count = |route, method, status| {
            let labels = [("route", route), ("method", method), ("status", status)];
            value(&samples, "ravenwire_http_request_duration_seconds_count", &labels)
        };
        assert_eq!(count("/api/v1/stories/{id}", "GET", "2xx"), Some(2.0), "{text}");
        assert_eq!(count("/api/v1/stories/{id}", "GET", "4xx"), Some(1.0), "{text}");
        assert_eq!(count("unmatched", "GET", "4xx"), Some(1.0), "{text}");
        assert_eq!(count("/", "other", "4xx"), Some(1.0), "{text}");
        assert_eq!(count("/metrics", "GET", "2xx"), Some(1.0), "the earlier scrape: {text}");
        // Never the paths as asked for.
        for raw in ["424242", "12345", "/no/such"] {
            assert!(!text.contains(raw), "{raw} in {text}");
        }
        let buckets = samples
            .iter()
            .filter(|s| {
                s.name == "ravenwire_http_request_duration_seconds_bucket"
                    && s.labels.get("route").map(String::as_str) == Some("/api/v1/stories/{id}")
                    && s.labels.get("status").map(String::as_str) == Some("2xx")
            })
            .count();
        assert_eq!(buckets, super::LATENCY_BUCKETS.len() + 1, "{text}");
    }

    #[test]
    fn the_parser_refuses_what_is_not_prometheus_text() {
        let good = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 3\n";
        assert_eq!(parse(good).unwrap().len(), 1);
        for bad in [
            "a_total 3\n",
            "# HELP a A.\n# TYPE a gauge\nb 1\n",
            "# HELP a A.\n# TYPE a gauge\na{x=1} 1\n",
            "# HELP a A.\n# TYPE a gauge\na one\n",
            "# HELP a A.\n# TYPE a gauge\na 1",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 3\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
