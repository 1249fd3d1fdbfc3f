//! The search page, and what every search shares: reading its words,
//! filters and order from a request, with errors that name the bad
//! parameter, and running it on the index.
//!
//! A search is `q` (the words, in the query language), `source` (an
//! outlet's name), `language` (a code such as `en`), `story` (a story id),
//! `from` and `to` (publication days, inclusive, written `2026-11-01`, in
//! UTC) and `sort` (`relevance`, the default, or `date`, newest first). The
//! page, the JSON API and saved searches read the same parameters.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use index::Hit;
use model::Provenance;
use store::{SearchFilters, SearchSort, StoryId};
use tokio::sync::Semaphore;

use crate::csrf::CsrfToken;
use crate::display::{clean_snippet, When};
use crate::lookup::provenance_of;
use crate::pages::Pager;
use crate::params::QueryParams;
use crate::{AppState, Error};

pub(crate) const HITS_PER_PAGE: u32 = 10;
/// The index has no offset, so page n costs n pages of hits; past this
/// depth a narrower query serves better anyway.
pub(crate) const MAX_SEARCH_PAGE: u32 = 20;
/// Longer than any outlet's name.
const MAX_SOURCE_CHARS: usize = 200;
/// The longest well-formed language tag worth filtering by.
const MAX_LANGUAGE_CHARS: usize = 35;

/// The words, filters and order of one search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SearchSpec {
    /// Trimmed; empty for a search by filters alone.
    pub query: String,
    pub filters: SearchFilters,
    pub sort: SearchSort,
}

impl SearchSpec {
    /// Reads a search from named values (a query string, a form, a JSON
    /// object): `value(name)` gives the value sent under `name`, trimmed,
    /// or `None` when it is absent or blank. A bad value is a 400 that
    /// names its parameter.
    pub(crate) fn read(value: impl Fn(&str) -> Option<String>) -> Result<SearchSpec, Error> {
        let source = value("source").map(|raw| parse_source(&raw)).transpose()?;
        let language = value("language").map(|raw| parse_language(&raw)).transpose()?;
        let story = value("story").map(|raw| parse_story(&raw)).transpose()?;
        let from = value("from").map(|raw| parse_day("from", &raw)).transpose()?;
        let to = value("to").map(|raw| parse_day("to", &raw)).transpose()?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err(Error::BadRequest(format!(
                    "from ({from}) is after to ({to}): the first day must come before the last"
                )));
            }
        }
        let sort = match value("sort") {
            None => SearchSort::default(),
            Some(raw) => SearchSort::from_name(&raw)
                .ok_or_else(|| Error::BadRequest(format!("sort must be relevance or date, not {raw:?}")))?,
        };
        Ok(SearchSpec {
            query: value("q").unwrap_or_default(),
            filters: SearchFilters {
                source,
                language,
                story,
                from,
                to,
            },
            sort,
        })
    }

    pub(crate) fn from_params(params: &QueryParams) -> Result<SearchSpec, Error> {
        SearchSpec::read(|name| params.text(name).map(str::to_string))
    }

    /// A stored search as a spec.
    pub(crate) fn of_saved(saved: &store::SavedSearch) -> SearchSpec {
        SearchSpec {
            query: saved.query.trim().to_string(),
            filters: saved.filters.clone(),
            sort: saved.sort,
        }
    }

    /// Whether there is anything to search for: words or a filter.
    pub(crate) fn is_search(&self) -> bool {
        !self.query.is_empty() || self.filters != SearchFilters::default()
    }

    /// The filters as the index takes them: days become the first and last
    /// second of each, in UTC.
    pub(crate) fn index_filters(&self) -> index::Filters {
        let f = &self.filters;
        index::Filters {
            source: f.source.clone(),
            language: f.language.clone(),
            story: f.story.map(|s| s.0),
            published_from: f
                .from
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp()),
            published_to: f
                .to
                .and_then(|d| d.and_hms_opt(23, 59, 59))
                .map(|t| t.and_utc().timestamp()),
        }
    }

    /// The values as a form shows them and a query string sends them, in
    /// parameter order; blank where unset.
    pub(crate) fn form(&self) -> SearchForm {
        let f = &self.filters;
        SearchForm {
            q: self.query.clone(),
            source: f.source.clone().unwrap_or_default(),
            language: f.language.clone().unwrap_or_default(),
            story: f.story.map(|s| s.to_string()).unwrap_or_default(),
            from: f.from.map(|d| d.to_string()).unwrap_or_default(),
            to: f.to.map(|d| d.to_string()).unwrap_or_default(),
            by_date: self.sort == SearchSort::Date,
        }
    }

    /// The query string that asks for this search again (without `page`);
    /// unset filters and the default order are left out.
    pub(crate) fn query_string(&self) -> String {
        let form = self.form();
        let sort = if form.by_date { "date" } else { "" };
        let pairs = [
            ("q", form.q.as_str()),
            ("source", &form.source),
            ("language", &form.language),
            ("story", &form.story),
            ("from", &form.from),
            ("to", &form.to),
            ("sort", sort),
        ];
        pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| format!("{name}={}", encode_query_value(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// In words, for lists and feed subtitles: "“ferry” · outlet Valley
    /// Post · from 2026-11-01 · newest first".
    pub(crate) fn describe(&self) -> String {
        let f = &self.filters;
        let mut parts = Vec::new();
        if !self.query.is_empty() {
            parts.push(format!("“{}”", self.query));
        }
        if let Some(source) = &f.source {
            parts.push(format!("outlet {source}"));
        }
        if let Some(language) = &f.language {
            parts.push(format!("language {language}"));
        }
        if let Some(story) = f.story {
            parts.push(format!("story {story}"));
        }
        if let Some(from) = f.from {
            parts.push(format!("from {from}"));
        }
        if let Some(to) = f.to {
            parts.push(format!("to {to}"));
        }
        parts.push(
            match self.sort {
                SearchSort::Relevance => "best match first",
                SearchSort::Date => "newest first",
            }
            .to_string(),
        );
        parts.join(" · ")
    }
}

fn parse_source(raw: &str) -> Result<String, Error> {
    if raw.chars().count() > MAX_SOURCE_CHARS || !raw.chars().any(char::is_alphanumeric) {
        return Err(Error::BadRequest(format!(
            "source must be an outlet's name (up to {MAX_SOURCE_CHARS} characters, with a letter or digit), not {}",
            index::shown_query(raw)
        )));
    }
    Ok(raw.to_string())
}

/// `en`, `pt-BR`, `zh-Hant-TW`: two or three letters, then subtags.
fn parse_language(raw: &str) -> Result<String, Error> {
    let mut parts = raw.split('-');
    let primary = parts.next().unwrap_or_default();
    let well_formed = raw.len() <= MAX_LANGUAGE_CHARS
        && (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|part| (1..=8).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(Error::BadRequest(format!(
            "language must be a language code such as en or pt-BR, not {}",
            index::shown_query(raw)
        )));
    }
    Ok(raw.to_string())
}

fn parse_story(raw: &str) -> Result<StoryId, Error> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(StoryId(id)),
        _ => Err(Error::BadRequest(format!(
            "story must be a story id (a whole number from 1), not {}",
            index::shown_query(raw)
        ))),
    }
}

/// A day written `2026-11-01`, and only so: no Unix seconds, no times.
fn parse_day(name: &str, raw: &str) -> Result<NaiveDate, Error> {
    let shaped = raw.len() == 10 && raw.as_bytes()[4] == b'-' && raw.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(day) if shaped => Ok(day),
        _ => Err(Error::BadRequest(format!(
            "{name} must be a day written as 2026-11-01 (year-month-day), not {}",
            index::shown_query(raw)
        ))),
    }
}

/// Searches take turns: two a core run at once, and the rest wait in arrival
/// order (tokio's semaphore is first come, first served).
///
/// A search is processor work from start to end (the index is memory-mapped
/// and its pages are in the file cache). Run all at once, twenty searches on
/// two cores share them, so each takes about twenty times its own work, and
/// a costly one (a common phrase, a match on the title alone whose whole text
/// is scanned for a snippet) ends far behind the rest. In turns, a search
/// waits for the ones ahead of it and then takes only its own time: the same
/// throughput, with a much shorter tail. Two a core rather than one: each
/// turn passes from one thread to another twice (the semaphore wakes a task,
/// which hands the search to a blocking thread), and with one turn a core,
/// a core sits idle through every hand-over (15% idle under twenty clients
/// on two cores, against 2% with two a core).
#[derive(Clone)]
pub struct SearchTurns(Arc<Semaphore>);

impl SearchTurns {
    /// At most `at_once` searches at a time (at least one).
    pub fn new(at_once: usize) -> SearchTurns {
        SearchTurns(Arc::new(Semaphore::new(at_once.max(1))))
    }
}

impl Default for SearchTurns {
    /// Two searches a core.
    fn default() -> SearchTurns {
        SearchTurns::new(2 * std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// Runs `spec` on a blocking thread (tantivy searches synchronously) when its
/// turn comes (see [`SearchTurns`]), best `limit` hits in its order.
pub(crate) async fn run(state: &AppState, spec: &SearchSpec, limit: usize) -> Result<Vec<Hit>, Error> {
    // The turn goes with the blocking work: a request that times out while
    // its search runs frees the turn when the search ends, not before.
    let turn = Arc::clone(&state.searches.0)
        .acquire_owned()
        .await
        .expect("the search turns are never closed");
    let index = Arc::clone(&state.index);
    let query = spec.query.clone();
    let filters = spec.index_filters();
    let sort = match spec.sort {
        SearchSort::Relevance => index::Sort::Relevance,
        SearchSort::Date => index::Sort::Newest,
    };
    Ok(tokio::task::spawn_blocking(move || {
        let hits = index.search_filtered(&query, &filters, sort, limit);
        drop(turn);
        hits
    })
    .await??)
}

/// The values of the filter form.
pub(crate) struct SearchForm {
    pub q: String,
    pub source: String,
    pub language: String,
    pub story: String,
    pub from: String,
    pub to: String,
    pub by_date: bool,
}

pub(crate) struct HitView {
    pub id: i64,
    pub title: String,
    pub source: String,
    pub when: Option<When>,
    pub story: Option<i64>,
    pub snippet_html: String,
    pub provenance: Provenance,
}

/// The saved search a results page shows, if it shows one.
pub(crate) struct SavedHeading {
    pub name: String,
    pub description: String,
    pub feed_href: String,
}

/// The "Save this search" form's own values; the search's are the filter
/// form's.
pub(crate) struct SaveForm {
    /// The hidden field's name, and its value.
    pub csrf_field: &'static str,
    pub csrf: String,
}

#[derive(Template)]
#[template(path = "search.html")]
pub(crate) struct SearchPage {
    pub search_value: String,
    pub heading: String,
    pub is_search: bool,
    pub form: SearchForm,
    pub hits: Vec<HitView>,
    pub pager: Pager,
    pub saved: Option<SavedHeading>,
    pub save: Option<SaveForm>,
}

/// One page of results for `spec`, from the index with provenance from the
/// store. `href(n)` is the address of page n.
pub(crate) async fn results_page(
    state: &AppState,
    spec: &SearchSpec,
    page: u32,
    href: impl Fn(u32) -> String,
) -> Result<(Vec<HitView>, Pager), Error> {
    let skip = ((page - 1) * HITS_PER_PAGE) as usize;
    let wanted = skip + HITS_PER_PAGE as usize;
    let hits = run(state, spec, wanted + 1).await?;
    let has_more = hits.len() > wanted;
    let shown: Vec<Hit> = hits.into_iter().skip(skip).take(HITS_PER_PAGE as usize).collect();
    let provenance = provenance_of(state, shown.iter().map(|h| h.id)).await?;
    let views = shown
        .into_iter()
        .map(|hit| HitView {
            provenance: provenance.get(&hit.id).copied().unwrap_or_default(),
            id: hit.id,
            title: if hit.title.trim().is_empty() {
                "Untitled article".to_string()
            } else {
                hit.title
            },
            source: hit.source,
            when: hit.published.and_then(When::unix),
            story: hit.story,
            snippet_html: clean_snippet(&hit.snippet_html),
        })
        .collect();
    let pager = Pager::new(page, has_more, href, ("Previous results", "More results"));
    Ok((views, pager))
}

/// Whether cookies the server sets must be `Secure`: when it is reached
/// over TLS.
pub(crate) fn secure_cookies(state: &AppState) -> bool {
    state.base_url.join("/").starts_with("https://")
}

/// A page with a form, sending the form's CSRF cookie when the visitor had
/// none.
pub(crate) fn with_csrf_cookie(state: &AppState, token: &CsrfToken, html: String) -> Response {
    let mut headers = HeaderMap::new();
    token.set_cookie(&mut headers, secure_cookies(state));
    (headers, Html(html)).into_response()
}

pub(crate) async fn search_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: QueryParams,
) -> Result<Response, Error> {
    let page = params.number("page", 1, 1, MAX_SEARCH_PAGE)?;
    let spec = SearchSpec::from_params(&params)?;
    if !spec.is_search() {
        let view = SearchPage {
            search_value: String::new(),
            heading: "Search".to_string(),
            is_search: false,
            form: spec.form(),
            hits: Vec::new(),
            pager: Pager::new(1, false, |_| String::new(), ("", "")),
            saved: None,
            save: None,
        };
        return Ok(Html(view.render()?).into_response());
    }
    let again = spec.query_string();
    let (hits, pager) = results_page(&state, &spec, page, |n| format!("/search?{again}&page={n}")).await?;
    let token = CsrfToken::of(&headers);
    let view = SearchPage {
        search_value: spec.query.clone(),
        heading: heading(&spec),
        is_search: true,
        form: spec.form(),
        hits,
        pager,
        saved: None,
        save: Some(SaveForm {
            csrf_field: crate::csrf::FIELD,
            csrf: token.value.clone(),
        }),
    };
    Ok(with_csrf_cookie(&state, &token, view.render()?))
}

/// "Results for “apples”", or for a search by filters alone, what it
/// lists.
pub(crate) fn heading(spec: &SearchSpec) -> String {
    if spec.query.is_empty() {
        "Articles matching the filters".to_string()
    } else {
        format!("Results for “{}”", spec.query)
    }
}

/// Percent-encodes a query-string value (application/x-www-form-urlencoded).
pub(crate) fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => out.push(byte as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(pairs: &[(&str, &str)]) -> Result<SearchSpec, Error> {
        SearchSpec::read(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        })
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("harbour bridge"), "harbour+bridge");
        assert_eq!(encode_query_value("\"a&b\"=é"), "%22a%26b%22%3D%C3%A9");
    }

    #[test]
    fn every_parameter_is_read_and_written_back_in_order() {
        let read = spec(&[
            ("sort", "date"),
            ("to", "2026-11-30"),
            ("from", "2026-11-01"),
            ("story", "12"),
            ("language", "pt-BR"),
            ("source", "Diário da Ilha"),
            ("q", "ferry fares"),
        ])
        .unwrap();
        assert_eq!(read.filters.story, Some(StoryId(12)));
        assert_eq!(read.sort, SearchSort::Date);
        assert_eq!(
            read.query_string(),
            "q=ferry+fares&source=Di%C3%A1rio+da+Ilha&language=pt-BR&story=12&from=2026-11-01&to=2026-11-30&sort=date"
        );
        assert_eq!(
            read.describe(),
            "“ferry fares” · outlet Diário da Ilha · language pt-BR · story 12 · from 2026-11-01 · to 2026-11-30 · newest first"
        );
        let plain = spec(&[("q", "ferry"), ("sort", "relevance")]).unwrap();
        assert_eq!(plain.query_string(), "q=ferry");
        assert!(!spec(&[]).unwrap().is_search());
        assert!(spec(&[("story", "3")]).unwrap().is_search());
    }

    #[test]
    fn days_cover_their_whole_utc_day() {
        let read = spec(&[("from", "2026-11-01"), ("to", "2026-11-01")]).unwrap();
        let filters = read.index_filters();
        assert_eq!(filters.published_from, Some(1_793_491_200));
        assert_eq!(filters.published_to, Some(1_793_491_200 + 86_399));
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        for (name, value, says) in [
            ("from", "1793491200", "from must be a day written as 2026-11-01"),
            ("to", "2026-13-01", "to must be a day"),
            ("from", "2026-1-1", "from must be a day"),
            ("to", "2026-11-01T10:00", "to must be a day"),
            ("story", "abc", "story must be a story id"),
            ("story", "0", "story must be a story id"),
            ("language", "english!", "language must be a language code"),
            ("language", "e", "language must be a language code"),
            ("source", "--", "source must be an outlet's name"),
            ("sort", "newest", "sort must be relevance or date, not \"newest\""),
        ] {
            let err = spec(&[(name, value)]).unwrap_err();
            assert_eq!(err.status(), axum::http::StatusCode::BAD_REQUEST, "{name}={value}");
            assert!(err.to_string().contains(says), "{name}={value}: {err}");
        }
        let err = spec(&[("from", "2026-11-05"), ("to", "2026-11-01")]).unwrap_err();
        assert!(
            err.to_string().contains("from (2026-11-05) is after to (2026-11-01)"),
            "{err}"
        );
    }
}
