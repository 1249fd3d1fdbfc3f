//! The story summary rules (article order, headline, outlets, dates, main language), pure and shared by every backend.

use chrono::{DateTime, Utc};

use model::Timestamp;

use crate::{outlet_name, ArticleId, ArticleSummary, StoryId, StorySummary};

/// One article of a story as a backend reads it: the article's own fields
/// and its placement.
#[derive(Debug, Clone)]
pub(crate) struct MemberRecord {
    pub(crate) article_id: ArticleId,
    pub(crate) canonical_url: String,
    pub(crate) url: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) site_name: Option<String>,
    pub(crate) language: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) published: Option<Timestamp>,
    pub(crate) added_at: DateTime<Utc>,
    pub(crate) copy_of: Option<ArticleId>,
    pub(crate) redated: bool,
}

/// One article of a story, with what the summary rules need beyond the
/// page row.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    article: ArticleSummary,
    canonical_url: String,
    added_at: DateTime<Utc>,
}

impl Member {
    fn is_original(&self) -> bool {
        self.article.copy_of.is_none() && !self.article.redated
    }
}

impl From<MemberRecord> for Member {
    fn from(record: MemberRecord) -> Member {
        Member {
            article: ArticleSummary {
                id: record.article_id,
                title: record.title,
                // The address it was read from is known to work; the
                // canonical one stands in when there is none.
                url: record.url.or_else(|| Some(record.canonical_url.clone())),
                outlet: outlet_name(record.site_name.as_deref(), &record.canonical_url),
                language: record.language,
                published: record.published,
                copy_of: record.copy_of,
                redated: record.redated,
                description: record.description,
            },
            canonical_url: record.canonical_url,
            added_at: record.added_at,
        }
    }
}

/// A story's summary and its articles, oldest first, from its members in
/// any order; `None` when it has no members.
pub(crate) fn summarize_story(
    id: StoryId,
    key: String,
    mut members: Vec<Member>,
) -> Option<(StorySummary, Vec<ArticleSummary>)> {
    sort_oldest_first(&mut members);
    let summary = summarize(id, key, &members)?;
    Some((summary, members.into_iter().map(|m| m.article).collect()))
}

/// Dated articles by publication instant, then undated ones; ties by id,
/// which is arrival order.
fn sort_oldest_first(members: &mut [Member]) {
    members.sort_by_key(|m| {
        let published = m.article.published.map(|p| p.to_utc());
        (published.is_none(), published, m.article.id)
    });
}

/// The language most of the members (oldest first) are in; a tie goes to
/// the language met first.
fn main_language(members: &[Member]) -> Option<String> {
    let mut counts: Vec<(&Option<String>, usize)> = Vec::new();
    for m in members {
        match counts.iter_mut().find(|(l, _)| *l == &m.article.language) {
            Some((_, n)) => *n += 1,
            None => counts.push((&m.article.language, 1)),
        }
    }
    // `max_by_key` keeps the last of equals; reversed, that is the first met.
    counts
        .into_iter()
        .rev()
        .max_by_key(|&(_, n)| n)
        .and_then(|(l, _)| l.clone())
}

/// Applies the summary rules to a story's members, sorted oldest first.
fn summarize(id: StoryId, key: String, members: &[Member]) -> Option<StorySummary> {
    let first = members.first()?;
    // A story covered in several languages is headed in the language most
    // of its articles use, by the first original in it: the German first
    // report of a story five outlets covered in English should not head
    // it on every reader's front page.
    let language = main_language(members);
    let headline_from = members
        .iter()
        .find(|m| m.is_original() && m.article.language == language)
        .or_else(|| members.iter().find(|m| m.is_original()))
        .unwrap_or(first);
    let title = non_empty(&headline_from.article.title)
        .or_else(|| members.iter().find_map(|m| non_empty(&m.article.title)))
        .unwrap_or_else(|| headline_from.canonical_url.clone());

    let mut outlets: Vec<String> = Vec::new();
    for member in members {
        if !outlets.contains(&member.article.outlet) {
            outlets.push(member.article.outlet.clone());
        }
    }

    // A re-dated copy's date is the one thing about it not to trust.
    let first_published = members
        .iter()
        .filter(|m| !m.article.redated)
        .filter_map(|m| m.article.published)
        .min_by_key(Timestamp::to_utc);

    // Nor may it make an old story look fresh on the front page.
    let updated = latest_activity(
        members
            .iter()
            .map(|m| (m.article.published.filter(|_| !m.article.redated), m.added_at)),
    )?;

    Some(StorySummary {
        id,
        key,
        title,
        article_count: u32::try_from(members.len()).unwrap_or(u32::MAX),
        outlets,
        first_published,
        updated,
    })
}

/// The latest publication instant, or the latest arrival when nothing in
/// the story carries a date.
fn latest_activity(times: impl Iterator<Item = (Option<Timestamp>, DateTime<Utc>)>) -> Option<DateTime<Utc>> {
    let (published, arrived): (Vec<_>, Vec<_>) = times.unzip();
    published
        .iter()
        .flatten()
        .map(Timestamp::to_utc)
        .max()
        .or_else(|| arrived.into_iter().max())
}

fn non_empty(title: &Option<String>) -> Option<String> {
    title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::{StoryDetail, StoryPlacement};

    fn placement(key: &str, copy_of: Option<ArticleId>, redated: bool) -> StoryPlacement {
        StoryPlacement {
            story_key: key.to_string(),
            copy_of,
            redated,
        }
    }

    /// An article as the backend's tests store one: its URL is its
    /// canonical URL, and it arrives now.
    fn new_member(canonical_url: &str, title: &str, published: Option<&str>) -> MemberRecord {
        MemberRecord {
            article_id: ArticleId(0),
            canonical_url: canonical_url.to_string(),
            url: Some(canonical_url.to_string()),
            title: (!title.is_empty()).then(|| title.to_string()),
            site_name: None,
            language: None,
            description: None,
            published: published.map(|p| p.parse().expect("test timestamp")),
            added_at: Utc::now(),
            copy_of: None,
            redated: false,
        }
    }

    /// Articles and their placements held in memory, each story read
    /// through the summary rules as a backend reads it.
    #[derive(Default)]
    struct Stories {
        articles: Vec<MemberRecord>,
        keys: Vec<String>,
        placements: HashMap<ArticleId, StoryPlacement>,
    }

    impl Stories {
        fn insert_article(&mut self, mut record: MemberRecord) -> ArticleId {
            record.article_id = ArticleId(i64::try_from(self.articles.len()).unwrap() + 1);
            self.articles.push(record);
            self.articles.last().unwrap().article_id
        }

        fn add(&mut self, url: &str, title: &str, published: Option<&str>, site: Option<&str>) -> ArticleId {
            let mut new = new_member(url, title, published);
            new.site_name = site.map(str::to_string);
            self.insert_article(new)
        }

        fn article(&self, id: ArticleId) -> Option<&MemberRecord> {
            self.articles.iter().find(|a| a.article_id == id)
        }

        fn assign_story(&mut self, article: ArticleId, placement: &StoryPlacement) -> StoryId {
            self.placements.insert(article, placement.clone());
            let index = match self.keys.iter().position(|k| *k == placement.story_key) {
                Some(index) => index,
                None => {
                    self.keys.push(placement.story_key.clone());
                    self.keys.len() - 1
                }
            };
            StoryId(i64::try_from(index).unwrap() + 1)
        }

        fn story(&self, id: StoryId) -> Option<StoryDetail> {
            let key = self.keys.get(usize::try_from(id.0 - 1).ok()?)?;
            let members = self
                .articles
                .iter()
                .filter_map(|a| {
                    let placed = self.placements.get(&a.article_id)?;
                    (placed.story_key == *key).then(|| {
                        Member::from(MemberRecord {
                            copy_of: placed.copy_of,
                            redated: placed.redated,
                            ..a.clone()
                        })
                    })
                })
                .collect();
            let (summary, articles) = summarize_story(id, key.clone(), members)?;
            Some(StoryDetail {
                summary,
                articles,
                related: Vec::new(),
            })
        }
    }

    #[test]
    fn summary_follows_the_first_original_and_ignores_redated_dates() {
        let mut store = Stories::default();
        let recycled = store.add(
            "https://recycler.example/r",
            "Recycled",
            Some("2021-10-17"),
            Some("Recycler"),
        );
        let copy = store.add(
            "https://copycat.example/c",
            "Copied headline",
            Some("2021-10-18T08:00:00Z"),
            Some("Copycat"),
        );
        let original = store.add(
            "https://planet.example/o",
            "Original headline",
            Some("2021-10-18T11:00:00+02:00"),
            Some("Planet"),
        );
        let follow_up = store.add(
            "https://planet.example/f",
            "Follow-up",
            Some("2021-10-18T11:00:00Z"),
            Some("Planet"),
        );
        let undated = store.add("https://u.example/x", "Undated", None, None);

        // Placed out of order on purpose: the summary must not depend on it.
        store.assign_story(follow_up, &placement("flood", None, false));
        store.assign_story(undated, &placement("flood", None, false));
        store.assign_story(original, &placement("flood", None, false));
        store.assign_story(copy, &placement("flood", Some(original), false));
        let story = store.assign_story(recycled, &placement("flood", Some(original), true));

        let detail = store.story(story).expect("story");
        let summary = &detail.summary;
        assert_eq!(summary.key, "flood");
        assert_eq!(summary.title, "Original headline");
        assert_eq!(summary.article_count, 5);
        assert_eq!(summary.outlets, vec!["Recycler", "Copycat", "Planet", "u.example"]);
        assert_eq!(
            summary.first_published,
            Some("2021-10-18T08:00:00+00:00".parse().unwrap())
        );
        assert_eq!(summary.updated.to_rfc3339(), "2021-10-18T11:00:00+00:00");

        let order: Vec<ArticleId> = detail.articles.iter().map(|a| a.id).collect();
        assert_eq!(order, vec![recycled, copy, original, follow_up, undated]);
        let copied = &detail.articles[1];
        assert_eq!(copied.copy_of, Some(original));
        assert_eq!(copied.outlet, "Copycat");
        assert_eq!(copied.url.as_deref(), Some("https://copycat.example/c"));
        assert_eq!(copied.title.as_deref(), Some("Copied headline"));
        assert!(detail.articles[0].redated);
        assert!(detail.related.is_empty());
    }

    #[test]
    fn a_story_of_copies_takes_its_first_article_headline() {
        let mut store = Stories::default();
        let source = store.add("https://wire.example/1", "Wire", Some("2020-01-01"), None);
        let late = store.add("https://b.example/1", "Late copy", Some("2020-01-03"), None);
        let early = store.add("https://c.example/1", "Early copy", Some("2020-01-02"), None);
        store.assign_story(source, &placement("wire", None, false));
        store.assign_story(late, &placement("copies", Some(source), false));
        let story = store.assign_story(early, &placement("copies", Some(source), false));
        let summary = store.story(story).unwrap().summary;
        assert_eq!(summary.title, "Early copy");
        assert_eq!(summary.outlets, vec!["c.example", "b.example"]);
    }

    #[test]
    fn a_story_in_several_languages_is_headed_in_its_main_one() {
        let mut store = Stories::default();
        let mut ids = Vec::new();
        for (url, title, published, language) in [
            (
                "https://zeitung.example/1",
                "Brücke eingestürzt",
                "2025-05-20T05:00:00Z",
                "de",
            ),
            (
                "https://herald.example/1",
                "Bridge collapses",
                "2025-05-20T07:00:00Z",
                "en",
            ),
            (
                "https://diario.example/1",
                "Se derrumba el puente",
                "2025-05-20T08:00:00Z",
                "es",
            ),
            (
                "https://meridian.example/1",
                "Three hurt in bridge fall",
                "2025-05-20T09:00:00Z",
                "en",
            ),
        ] {
            let mut new = new_member(url, title, Some(published));
            new.language = Some(language.to_string());
            ids.push(store.insert_article(new));
        }
        let mut story = None;
        for &id in &ids {
            story = Some(store.assign_story(id, &placement("bridge", None, false)));
        }
        let detail = store.story(story.unwrap()).unwrap();
        assert_eq!(detail.summary.title, "Bridge collapses");
        // The first report is still the first, whatever its language.
        assert_eq!(detail.articles[0].title.as_deref(), Some("Brücke eingestürzt"));
        assert_eq!(
            detail.summary.first_published,
            Some("2025-05-20T05:00:00Z".parse().unwrap())
        );

        // One article per language: the tie goes to the first report's.
        let mut new = new_member("https://solo.example/1", "Einsturz", Some("2025-05-21"));
        new.language = Some("de".to_string());
        let solo = store.insert_article(new);
        let mut new = new_member("https://solo.example/2", "Collapse", Some("2025-05-22"));
        new.language = Some("en".to_string());
        let other = store.insert_article(new);
        store.assign_story(solo, &placement("tie", None, false));
        let tie = store.assign_story(other, &placement("tie", None, false));
        assert_eq!(store.story(tie).unwrap().summary.title, "Einsturz");
    }

    #[test]
    fn an_untitled_original_borrows_the_next_headline() {
        let mut store = Stories::default();
        let untitled = store.add("https://a.example/1", "", Some("2020-01-01"), None);
        let titled = store.add("https://b.example/1", "Second take", Some("2020-01-02"), None);
        store.assign_story(untitled, &placement("k", None, false));
        let story = store.assign_story(titled, &placement("k", None, false));
        assert_eq!(store.story(story).unwrap().summary.title, "Second take");
    }

    #[test]
    fn an_undated_story_is_updated_at_its_last_arrival() {
        let mut store = Stories::default();
        let before = Utc::now();
        let a = store.add("https://a.example/1", "A", None, None);
        let b = store.add("https://b.example/1", "B", None, None);
        store.assign_story(a, &placement("k", None, false));
        let story = store.assign_story(b, &placement("k", None, false));
        let summary = store.story(story).unwrap().summary;
        let arrived = store.article(b).unwrap().added_at;
        assert_eq!(summary.updated, arrived);
        assert!(summary.updated >= before);
        assert_eq!(summary.first_published, None);
    }
}
