//! Choosing title, authors, language and the rest from what the page
//! says about itself, most trustworthy source first.

use serde_json::Value;

use crate::body::same_words;
use crate::page::PageFacts;

/// Separators sites put between headline and site name in `<title>`.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " « ", " / ", ": ",
];

fn json_ld_str<'a>(facts: &'a PageFacts, keys: &[&str]) -> Option<&'a str> {
    facts.json_ld_by_preference().into_iter().find_map(|obj| {
        keys.iter().find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim()),
            Some(Value::Array(a)) => a.iter().find_map(|v| v.as_str()).filter(|s| !s.trim().is_empty()),
            _ => None,
        })
    })
}

pub(crate) fn site_name(facts: &PageFacts) -> Option<String> {
    if let Some(s) = facts.meta(&["og:site_name", "application-name", "twitter:site", "publisher"]) {
        return Some(s.trim_start_matches('@').to_string());
    }
    facts.json_ld_by_preference().into_iter().find_map(|obj| {
        let publisher = obj.get("publisher")?;
        let publisher = publisher.as_array().and_then(|a| a.first()).unwrap_or(publisher);
        publisher
            .get("name")?
            .as_str()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    })
}

/// Cuts " | Site" or "Site - " off a title. A part is dropped when it is the
/// site's name or when it is short and the rest clearly is the headline.
pub(crate) fn strip_site_name(title: &str, site: Option<&str>) -> String {
    let title = title.trim();
    for sep in TITLE_SEPARATORS {
        let Some(at) = title.rfind(sep) else { continue };
        let (head, tail) = (title[..at].trim(), title[at + sep.len()..].trim());
        if head.is_empty() || tail.is_empty() {
            continue;
        }
        let words = |s: &str| s.split_whitespace().count();
        let names_site = |part: &str| site.is_some_and(|s| same_words(part, s) || squash(part) == squash(s));
        if names_site(tail) || (*sep != ": " && words(tail) <= 4 && words(head) >= 2 * words(tail).max(2)) {
            return strip_site_name(head, site);
        }
        if let Some(first) = title.find(sep) {
            let (lead, rest) = (title[..first].trim(), title[first + sep.len()..].trim());
            if names_site(lead) && !rest.is_empty() {
                return rest.to_string();
            }
        }
    }
    title.to_string()
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

pub(crate) fn title(facts: &PageFacts, site: Option<&str>) -> Option<String> {
    let og = facts
        .meta(&["og:title", "twitter:title"])
        .or_else(|| json_ld_str(facts, &["headline"]))
        .map(|t| strip_site_name(t, site));
    let tag = facts.title_tag.as_deref();
    // An <h1> that the other sources agree with is the headline as shown.
    for h1 in &facts.h1 {
        let agrees = og.as_deref().is_some_and(|o| same_words(o, h1))
            || tag.is_some_and(|t| squash(t).contains(&squash(h1)) && squash(h1).len() >= 8);
        if agrees {
            return Some(h1.clone());
        }
    }
    og.filter(|t| !t.is_empty())
        .or_else(|| tag.map(|t| strip_site_name(t, site)).filter(|t| !t.is_empty()))
        .or_else(|| facts.h1.first().cloned())
}

/// Words that introduce a byline rather than belong to a name.
const BYLINE_PREFIXES: &[&str] = &[
    "written by",
    "posted by",
    "reported by",
    "story by",
    "text by",
    "by",
    "von",
    "par",
    "por",
    "di",
    "door",
    "av",
    "af",
    "autor:",
    "autorin:",
    "author:",
    "auteur:",
    "text:",
    "texto:",
];
const NAME_JOINERS: &[&str] = &[
    " and ", " & ", " und ", " et ", " y ", " e ", " og ", " och ", " en ", " i ", " и ",
];

pub(crate) fn clean_author_names(raw: &str) -> Vec<String> {
    let mut text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    for joiner in NAME_JOINERS {
        text = text.replace(joiner, ",");
    }
    text.split([',', ';', '|', '/', '\n'])
        .filter_map(|part| {
            let mut name = part.trim();
            loop {
                let lower = name.to_lowercase();
                let Some(p) = BYLINE_PREFIXES.iter().find(|p| {
                    lower.starts_with(**p) && lower[p.len()..].starts_with([' ', ':'])
                        || (p.ends_with(':') && lower.starts_with(**p))
                }) else {
                    break;
                };
                name = name[p.len()..].trim_start_matches([' ', ':']).trim();
            }
            let name = name.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
            let words = name.split_whitespace().count();
            let plausible = (1..=5).contains(&words)
                && (2..=60).contains(&name.chars().count())
                && !name.chars().any(|c| c.is_ascii_digit() || c == '@')
                && !name.contains("http")
                && !name.contains("www.")
                && name.chars().next().is_some_and(|c| c.is_uppercase() || !c.is_ascii());
            plausible.then(|| name.to_string())
        })
        .fold(Vec::new(), |mut acc, name| {
            if !acc.contains(&name) {
                acc.push(name);
            }
            acc
        })
}

fn json_ld_authors(facts: &PageFacts) -> Vec<String> {
    for obj in facts.json_ld_by_preference() {
        let Some(author) = obj.get("author").or_else(|| obj.get("creator")) else {
            continue;
        };
        let list = match author {
            Value::Array(a) => a.iter().collect::<Vec<_>>(),
            other => vec![other],
        };
        let names: Vec<String> = list
            .into_iter()
            .filter_map(|a| match a {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("name").and_then(|n| n.as_str()).map(str::to_string),
                _ => None,
            })
            .flat_map(|n| clean_author_names(&n))
            .collect();
        if !names.is_empty() {
            return names;
        }
    }
    Vec::new()
}

pub(crate) fn authors(facts: &PageFacts, site: Option<&str>) -> Vec<String> {
    let from_meta = || {
        facts
            .meta(&[
                "author",
                "article:author",
                "parsely-author",
                "sailthru.author",
                "dc.creator",
                "dcterms.creator",
                "byl",
                "citation_author",
            ])
            .filter(|a| !a.starts_with("http"))
            .map(clean_author_names)
            .unwrap_or_default()
    };
    let from_rel = || {
        facts
            .rel_authors
            .iter()
            .flat_map(|a| clean_author_names(a))
            .collect::<Vec<_>>()
    };
    let from_bylines = || {
        facts
            .bylines
            .iter()
            .take(1)
            .flat_map(|a| clean_author_names(a))
            .collect::<Vec<_>>()
    };
    let mut names = json_ld_authors(facts);
    for source in [&from_meta as &dyn Fn() -> Vec<String>, &from_rel, &from_bylines] {
        if !names.is_empty() {
            break;
        }
        names = source();
    }
    // A publisher credited as author is not a person's byline.
    names.retain(|n| site.is_none_or(|s| !same_words(n, s)));
    names.dedup();
    names
}

pub(crate) fn normalise_language(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let code = match primary.as_str() {
        "iw" => "he".to_string(),
        "in" => "id".to_string(),
        "ji" => "yi".to_string(),
        other if other.len() == 2 && other.bytes().all(|b| b.is_ascii_lowercase()) => other.to_string(),
        _ => return None,
    };
    Some(code)
}

/// ISO 639-1 for whatlang's ISO 639-3 codes.
fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Epo => "eo",
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        Cym => "cy",
    }
}

/// Detection on more text than this does not change its answer.
const LANGUAGE_SAMPLE_BYTES: usize = 1000;

pub(crate) fn language(facts: &PageFacts, body: &str) -> Option<String> {
    let declared = facts
        .html_lang
        .as_deref()
        .or_else(|| facts.meta(&["content-language", "og:locale", "language", "dc.language", "inlanguage"]))
        .or_else(|| json_ld_str(facts, &["inLanguage"]))
        .and_then(normalise_language);
    declared.or_else(|| {
        let mut end = body.len().min(LANGUAGE_SAMPLE_BYTES);
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        let info = whatlang::detect(&body[..end])?;
        Some(iso639_1(info.lang()).to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_suffix_and_prefix_are_cut() {
        assert_eq!(
            strip_site_name("Russia closes its NATO mission | Raven Tribune", Some("Raven Tribune")),
            "Russia closes its NATO mission"
        );
        assert_eq!(
            strip_site_name("Russia closes its NATO mission - BBC News", None),
            "Russia closes its NATO mission"
        );
        assert_eq!(
            strip_site_name("Raven Tribune | Russia closes its NATO mission", Some("Raven Tribune")),
            "Russia closes its NATO mission"
        );
        // A dash inside the headline itself is kept.
        assert_eq!(strip_site_name("Merkel - a legacy", None), "Merkel - a legacy");
    }

    #[test]
    fn author_names_lose_by_and_split_on_and() {
        assert_eq!(
            clean_author_names("By Jane Doe and John Smith"),
            vec!["Jane Doe", "John Smith"]
        );
        assert_eq!(
            clean_author_names("Von Anna Müller und Max Weber"),
            vec!["Anna Müller", "Max Weber"]
        );
        assert_eq!(clean_author_names("BY MARY JONES | Oct 18, 2021"), vec!["MARY JONES"]);
        assert!(clean_author_names("https://example.com/staff/jd").is_empty());
    }

    #[test]
    fn language_tags_normalise_to_two_letters() {
        assert_eq!(normalise_language("en-US").as_deref(), Some("en"));
        assert_eq!(normalise_language("pt_BR").as_deref(), Some("pt"));
        assert_eq!(normalise_language("iw").as_deref(), Some("he"));
        assert_eq!(normalise_language("english"), None);
    }
}
