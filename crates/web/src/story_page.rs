//! The story page and the story's JSON: the first report, coverage by
//! outlet, the original reports apart from their copies, the timeline from
//! the text, how diverse the coverage is, and related stories.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Serialize;
use store::{ArticleId, ArticleSummary, StoryDetail, StoryId};

use crate::display::{count_label, When};
use crate::diversity::Diversity;
use crate::front_page::StoryCard;
use crate::lookup::story_from_path;
use crate::pages::{article_title, copy_notice, first_report, redated_notice, Link, Notice};
use crate::timeline::{self, CitedDate};
use crate::{AppState, Error};

pub(crate) struct FirstReport {
    pub article_id: ArticleId,
    pub outlet: String,
    pub when: Option<When>,
}

pub(crate) struct OutletCoverage {
    pub name: String,
    pub articles: Vec<Link>,
}

/// One article in the list of originals or of copies.
pub(crate) struct ArticleEntry {
    pub id: ArticleId,
    pub title: String,
    pub outlet: String,
    pub when: Option<When>,
    pub language: Option<String>,
    pub description: Option<String>,
    /// The story's first report.
    pub first: bool,
    /// For copies: `copy` or `redated`, the CSS class of its badge.
    pub badge: Option<&'static str>,
    pub notices: Vec<Notice>,
}

/// One row of the timeline from the text.
pub(crate) struct CitedRow {
    /// The cited range, for `<time datetime>` and for people.
    pub iso: String,
    pub label: String,
    pub precision: &'static str,
    pub article: Link,
    pub outlet: String,
    pub published: When,
    /// "14 months" when the article came out that long after the date.
    pub far_before: Option<String>,
    pub before: String,
    pub expression: String,
    pub after: String,
}

/// The diversity section's lists, ready to show.
pub(crate) struct DiversityView {
    pub headline: String,
    pub outlets: Vec<String>,
    /// "en: Coastal Times, Wire Echo".
    pub languages: Vec<(String, String)>,
    pub countries: Vec<(String, String)>,
    pub unknown_country: String,
}

impl From<&Diversity> for DiversityView {
    fn from(d: &Diversity) -> Self {
        let lines = |groups: &[crate::diversity::Group]| {
            groups.iter().map(|g| (g.code.clone(), g.outlets.join(", "))).collect()
        };
        DiversityView {
            headline: d.headline(),
            outlets: d.outlets.clone(),
            languages: lines(&d.languages),
            countries: lines(&d.countries),
            unknown_country: d.unknown_country.join(", "),
        }
    }
}

#[derive(Template)]
#[template(path = "story.html")]
struct StoryPage {
    search_value: String,
    id: StoryId,
    title: String,
    count_label: String,
    first_report: Option<FirstReport>,
    diversity: DiversityView,
    coverage: Vec<OutletCoverage>,
    originals: Vec<ArticleEntry>,
    copies: Vec<ArticleEntry>,
    cited: Vec<CitedRow>,
    /// Says how many articles the timeline read, when it could not read all.
    cited_note: Option<String>,
    far_before_days: i64,
    related: Vec<StoryCard>,
    entities: crate::entity_page::EntityGroups,
}

/// What the story page computes beyond the stored detail.
pub(crate) struct Extras {
    pub cited: Vec<CitedDate>,
    /// How many articles were read for dates, and how many are dated.
    pub read: usize,
    pub dated: usize,
    pub diversity: Diversity,
    /// The people, organisations and places its articles name.
    pub entities: Vec<store::StoredEntity>,
}

/// Reads the texts and origins the timeline and the diversity need.
pub(crate) async fn extras(state: &AppState, detail: &StoryDetail) -> Result<Extras, Error> {
    let to_read = timeline::articles_to_read(&detail.articles);
    let all: Vec<ArticleId> = detail.articles.iter().map(|a| a.id).collect();
    let (texts, origins, entities) = tokio::try_join!(
        async { Ok::<_, Error>(state.store.article_texts(&to_read).await?) },
        async { Ok::<_, Error>(state.store.article_origins(&all).await?) },
        crate::entity_page::story_entities(state, detail.summary.id)
    )?;
    let read: Vec<ArticleSummary> = detail
        .articles
        .iter()
        .filter(|a| texts.contains_key(&a.id))
        .cloned()
        .collect();
    Ok(Extras {
        cited: timeline::cited_dates(&read, &texts),
        read: read.len(),
        dated: detail.articles.iter().filter(|a| a.published.is_some()).count(),
        diversity: Diversity::of(&detail.articles, &origins),
        entities,
    })
}

fn is_original(article: &ArticleSummary) -> bool {
    article.copy_of.is_none() && !article.redated
}

impl StoryPage {
    fn new(detail: &StoryDetail, extras: &Extras) -> Self {
        let summary = &detail.summary;
        let by_id: HashMap<ArticleId, &ArticleSummary> = detail.articles.iter().map(|a| (a.id, a)).collect();
        let story_first = summary.first_published.as_ref().map(When::of);
        let first = first_report(detail);

        let first_report = first.map(|a| FirstReport {
            article_id: a.id,
            outlet: a.outlet.clone(),
            when: a.published.as_ref().map(When::of).or_else(|| story_first.clone()),
        });

        let mut coverage: Vec<OutletCoverage> = summary
            .outlets
            .iter()
            .map(|name| OutletCoverage {
                name: name.clone(),
                articles: Vec::new(),
            })
            .collect();
        for article in &detail.articles {
            let link = Link {
                href: format!("/article/{}", article.id),
                label: article_title(&article.title),
            };
            match coverage.iter_mut().find(|c| c.name == article.outlet) {
                Some(outlet) => outlet.articles.push(link),
                None => coverage.push(OutletCoverage {
                    name: article.outlet.clone(),
                    articles: vec![link],
                }),
            }
        }
        coverage.retain(|c| !c.articles.is_empty());

        let entry = |article: &ArticleSummary| {
            let original = article.copy_of.map(|id| (id, by_id.get(&id).copied()));
            let mut notices = Vec::new();
            if let Some((id, known)) = original {
                notices.push(copy_notice(id, known.map(|o| (&o.title, o.outlet.as_str()))));
            }
            if article.redated {
                let first_reported = original
                    .and_then(|(_, known)| known)
                    .and_then(|o| o.published.as_ref().map(When::of))
                    .or_else(|| story_first.clone());
                notices.push(redated_notice(first_reported));
            }
            ArticleEntry {
                id: article.id,
                title: article_title(&article.title),
                outlet: article.outlet.clone(),
                when: article.published.as_ref().map(When::of),
                language: article.language.clone(),
                description: article.description.clone(),
                first: first.is_some_and(|f| f.id == article.id),
                badge: if article.redated {
                    Some("redated")
                } else if article.copy_of.is_some() {
                    Some("copy")
                } else {
                    None
                },
                notices,
            }
        };
        let originals = detail.articles.iter().filter(|a| is_original(a)).map(entry).collect();
        let copies = detail.articles.iter().filter(|a| !is_original(a)).map(entry).collect();

        let cited = extras
            .cited
            .iter()
            .filter_map(|date| {
                let article = by_id.get(&date.article)?;
                Some(CitedRow {
                    iso: timeline::range_iso(date.start, date.end),
                    label: timeline::range_label(date.start, date.end),
                    precision: date.precision,
                    article: Link {
                        href: format!("/article/{}", article.id),
                        label: article_title(&article.title),
                    },
                    outlet: article.outlet.clone(),
                    published: article
                        .published
                        .as_ref()
                        .map(When::of)
                        .unwrap_or_else(|| When::of(&model::Timestamp::Day(date.published))),
                    far_before: date
                        .far_before()
                        .then(|| timeline::gap_label(date.days_before_publication)),
                    before: date.before.clone(),
                    expression: date.expression.clone(),
                    after: date.after.clone(),
                })
            })
            .collect();
        let cited_note = (extras.read < extras.dated).then(|| {
            format!(
                "Dates read from the first {} of {} dated articles, originals first.",
                extras.read, extras.dated
            )
        });

        StoryPage {
            search_value: String::new(),
            id: summary.id,
            title: summary.title.clone(),
            count_label: count_label(summary.article_count, "article", "articles"),
            first_report,
            diversity: DiversityView::from(&extras.diversity),
            coverage,
            originals,
            copies,
            cited,
            cited_note,
            far_before_days: timeline::FAR_BEFORE_DAYS,
            related: detail.related.iter().map(StoryCard::from).collect(),
            entities: crate::entity_page::EntityGroups::of(&extras.entities),
        }
    }
}

pub(crate) async fn story_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Html<String>, Error> {
    let detail = story_from_path(&state, id).await?;
    let extras = extras(&state, &detail).await?;
    Ok(Html(StoryPage::new(&detail, &extras).render()?))
}

/// `/api/v1/stories/{id}`: the stored detail, with the timeline from the
/// text and the diversity of the coverage.
#[derive(Serialize)]
pub(crate) struct StoryJson {
    #[serde(flatten)]
    detail: StoryDetail,
    /// Cited dates, earliest first.
    timeline: Vec<CitedDate>,
    diversity: Diversity,
    /// The people, organisations and places its articles name, most
    /// mentioned first.
    entities: Vec<store::StoredEntity>,
}

pub(crate) async fn story_json(state: &AppState, detail: StoryDetail) -> Result<StoryJson, Error> {
    let extras = extras(state, &detail).await?;
    Ok(StoryJson {
        detail,
        timeline: extras.cited,
        diversity: extras.diversity,
        entities: extras.entities,
    })
}

#[cfg(test)]
#[path = "story_page_tests.rs"]
mod tests;
