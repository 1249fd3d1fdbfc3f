//! SQLite storage of articles and their provenance.

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use model::{Article, Provenance};

use super::parse_timestamp;
use crate::types::provenance_of;
use crate::{outlet_name, ArticleId, Error, NewArticle, Result, SourceId, StoredArticle, StoryId};

pub(super) async fn find_by_url<'c>(
    conn: impl sqlx::SqliteExecutor<'c>,
    canonical_url: &str,
) -> Result<Option<ArticleId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE canonical_url = ?")
        .bind(canonical_url)
        .fetch_optional(conn)
        .await?;
    Ok(id.map(ArticleId))
}

pub(super) async fn find_by_hash(pool: &SqlitePool, content_hash: &str) -> Result<Option<ArticleId>> {
    // Several pages can carry one body; the first stored is the one that
    // later copies should point at.
    let id: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM articles WHERE content_hash = ?")
        .bind(content_hash)
        .fetch_one(pool)
        .await?;
    Ok(id.map(ArticleId))
}

pub(super) async fn insert<'c>(conn: impl sqlx::SqliteExecutor<'c>, new: &NewArticle) -> Result<ArticleId> {
    let article = &new.article;
    let authors = serde_json::to_string(&article.authors)
        .map_err(|e| Error::Invalid(format!("authors of {}: {e}", new.canonical_url)))?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO articles (canonical_url, url, title, text, html, published, published_unix, \
         modified, authors, language, site_name, description, image, content_hash, source_id, \
         fetch_id, added_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&new.canonical_url)
    .bind(&article.url)
    .bind(&article.title)
    .bind(&article.text)
    .bind(&article.html)
    .bind(article.published.map(|t| t.to_string()))
    .bind(article.published.map(|t| t.unix()))
    .bind(article.modified.map(|t| t.to_string()))
    .bind(authors)
    .bind(&article.language)
    .bind(&article.site_name)
    .bind(&article.description)
    .bind(&article.image)
    .bind(&new.content_hash)
    .bind(new.source.map(|id| id.0))
    .bind(new.fetch.map(|id| id.0))
    .bind(Utc::now())
    .fetch_one(conn)
    .await;
    self::inserted(inserted, new)
}

/// The outcome of an article's INSERT, on either backend: its id, or the
/// conflict or missing reference named.
pub(crate) fn inserted(inserted: std::result::Result<i64, sqlx::Error>, new: &NewArticle) -> Result<ArticleId> {
    match inserted {
        Ok(id) => Ok(ArticleId(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::Conflict(format!(
            "article with canonical URL {}",
            new.canonical_url
        ))),
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => Err(Error::NotFound(format!(
            "source {:?} or fetch {:?} named by article {}",
            new.source.map(|id| id.0),
            new.fetch.map(|id| id.0),
            new.canonical_url
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Every article column plus its place in a story, if it has one.
pub(crate) const SELECT_ARTICLES: &str = "SELECT a.id, a.canonical_url, a.url, a.title, a.text, a.html, \
     a.published, a.modified, a.authors, a.language, a.site_name, a.description, a.image, \
     a.content_hash, a.source_id, a.added_at, m.story_id, s.key AS story_key, m.copy_of, \
     m.redated \
     FROM articles a LEFT JOIN story_members m ON m.article_id = a.id \
     LEFT JOIN stories s ON s.id = m.story_id";

#[derive(sqlx::FromRow)]
pub(crate) struct ArticleRow {
    id: i64,
    canonical_url: String,
    url: Option<String>,
    title: Option<String>,
    text: String,
    html: String,
    published: Option<String>,
    modified: Option<String>,
    authors: String,
    language: Option<String>,
    site_name: Option<String>,
    description: Option<String>,
    image: Option<String>,
    content_hash: String,
    source_id: Option<i64>,
    added_at: DateTime<Utc>,
    story_id: Option<i64>,
    story_key: Option<String>,
    copy_of: Option<i64>,
    redated: Option<bool>,
}

impl TryFrom<ArticleRow> for StoredArticle {
    type Error = Error;

    fn try_from(row: ArticleRow) -> Result<StoredArticle> {
        let what = |field: &str| format!("{field} of article {}", row.id);
        let authors: Vec<String> =
            serde_json::from_str(&row.authors).map_err(|e| Error::Corrupt(format!("{}: {e}", what("authors"))))?;
        let published = parse_timestamp(row.published, &what("published"))?;
        let modified = parse_timestamp(row.modified, &what("modified"))?;
        let outlet = outlet_name(row.site_name.as_deref(), &row.canonical_url);
        Ok(StoredArticle {
            id: ArticleId(row.id),
            article: Article {
                url: row.url,
                // The store keeps one canonical URL: the one the article is
                // known by, which the extractor's own guess fed into.
                canonical_url: Some(row.canonical_url.clone()),
                title: row.title,
                text: row.text,
                html: row.html,
                published,
                modified,
                authors,
                language: row.language,
                site_name: row.site_name,
                description: row.description,
                image: row.image,
            },
            canonical_url: row.canonical_url,
            content_hash: row.content_hash,
            source: row.source_id.map(SourceId),
            outlet,
            story: row.story_id.map(StoryId),
            story_key: row.story_key,
            copy_of: row.copy_of.map(ArticleId),
            redated: row.redated.unwrap_or(false),
            added_at: row.added_at,
        })
    }
}

/// Ids per query, well under SQLite's limit on bound parameters.
pub(crate) const IDS_PER_QUERY: usize = 500;

pub(super) async fn provenance(
    pool: &SqlitePool,
    ids: &[ArticleId],
) -> Result<std::collections::HashMap<ArticleId, Provenance>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT article_id, copy_of IS NOT NULL, redated FROM story_members WHERE article_id IN ({placeholders})"
        );
        let mut query = sqlx::query_as::<_, (i64, bool, bool)>(&sql);
        for id in chunk {
            query = query.bind(id.0);
        }
        for (id, is_copy, redated) in query.fetch_all(pool).await? {
            out.insert(ArticleId(id), provenance_of(is_copy, redated));
        }
    }
    Ok(out)
}

/// The plain text of those of `ids` that exist.
pub(super) async fn texts(
    pool: &SqlitePool,
    ids: &[ArticleId],
) -> Result<std::collections::HashMap<ArticleId, String>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let placeholders = vec!["?"; chunk.len()].join(", ");
        let sql = format!("SELECT id, text FROM articles WHERE id IN ({placeholders})");
        let mut query = sqlx::query_as::<_, (i64, String)>(&sql);
        for id in chunk {
            query = query.bind(id.0);
        }
        for (id, text) in query.fetch_all(pool).await? {
            out.insert(ArticleId(id), text);
        }
    }
    Ok(out)
}

pub(super) async fn get(pool: &SqlitePool, id: ArticleId) -> Result<Option<StoredArticle>> {
    let row: Option<ArticleRow> = sqlx::query_as(&format!("{SELECT_ARTICLES} WHERE a.id = ?"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.map(StoredArticle::try_from).transpose()
}

pub(super) async fn after(pool: &SqlitePool, after: Option<ArticleId>, limit: u32) -> Result<Vec<StoredArticle>> {
    // Ids start at 1, so 0 stands for "from the beginning" on both backends.
    let rows: Vec<ArticleRow> = sqlx::query_as(&format!("{SELECT_ARTICLES} WHERE a.id > ? ORDER BY a.id LIMIT ?"))
        .bind(after.map_or(0, |id| id.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.into_iter().map(StoredArticle::try_from).collect()
}

#[cfg(test)]
mod tests {
    use model::{Source, SourceKind, Timestamp};

    use super::super::test_support::{new_article, store_test};
    use crate::FetchRecord;

    use super::*;

    store_test!(async fn an_article_round_trips_with_all_its_fields(store) {
        let source = store
            .add_source(&Source {
                kind: SourceKind::Feed,
                url: "https://planet.example/rss".to_string(),
                title: None,
            })
            .await
            .unwrap();
        let fetch = store
            .record_fetch(&FetchRecord {
                url: "https://planet.example/a".to_string(),
                final_url: None,
                status: Some(200),
                content_hash: None,
                fetched_at: Utc::now(),
                error: None,
            })
            .await
            .unwrap();
        let mut new = new_article(
            "https://planet.example/a",
            "Flood hits town",
            Some("2021-10-18T09:30:00+02:00"),
        );
        new.article.modified = Some("2021-10-19".parse().unwrap());
        new.article.authors = vec!["Lois Lane".to_string(), "Clark Kent".to_string()];
        new.article.language = Some("en".to_string());
        new.article.site_name = Some("Daily Planet".to_string());
        new.article.description = Some("Water everywhere".to_string());
        new.article.image = Some("https://planet.example/flood.jpg".to_string());
        new.source = Some(source);
        new.fetch = Some(fetch);

        let before = Utc::now();
        let id = store.insert_article(&new).await.unwrap();
        let stored = store.article(id).await.unwrap().expect("stored article");
        assert_eq!(stored.id, id);
        assert_eq!(stored.article, new.article);
        assert_eq!(stored.canonical_url, new.canonical_url);
        assert_eq!(stored.content_hash, new.content_hash);
        assert_eq!(stored.source, Some(source));
        assert_eq!(stored.outlet, "Daily Planet");
        assert_eq!(stored.story, None);
        assert_eq!(stored.story_key, None);
        assert_eq!(stored.copy_of, None);
        assert!(!stored.redated);
        assert!(stored.added_at >= before && stored.added_at <= Utc::now());

        let (fetch_id,): (Option<i64>,) = store.row("SELECT fetch_id FROM articles WHERE id = $1", &[id.0]).await;
        assert_eq!(fetch_id, Some(fetch.0));
    });

    store_test!(async fn keeps_a_bare_day_as_a_day_and_sorts_it_by_utc_midnight(store) {
        let id = store
            .insert_article(&new_article("https://x.example/1", "Day only", Some("2023-02-02")))
            .await
            .unwrap();
        let stored = store.article(id).await.unwrap().unwrap();
        assert_eq!(
            stored.article.published,
            Some(Timestamp::Day("2023-02-02".parse().unwrap()))
        );
        let (unix,): (Option<i64>,) = store.row("SELECT published_unix FROM articles WHERE id = $1", &[id.0]).await;
        assert_eq!(unix, Some(1_675_296_000));
    });

    store_test!(async fn the_outlet_falls_back_to_the_canonical_host(store) {
        let id = store
            .insert_article(&new_article("https://www.wire.example/story", "T", None))
            .await
            .unwrap();
        assert_eq!(store.article(id).await.unwrap().unwrap().outlet, "www.wire.example");
    });

    store_test!(async fn a_second_article_with_the_same_canonical_url_is_a_conflict(store) {
        let first = new_article("https://a.example/1", "One", None);
        store.insert_article(&first).await.unwrap();
        let mut second = new_article("https://a.example/1", "Other", None);
        second.content_hash = "different".to_string();
        let err = store.insert_article(&second).await.unwrap_err();
        assert!(
            matches!(err, Error::Conflict(ref what) if what.contains("https://a.example/1")),
            "{err}"
        );
        assert_eq!(store.stats().await.unwrap().articles, 1);
    });

    store_test!(async fn naming_a_missing_source_is_not_found(store) {
        let mut new = new_article("https://a.example/1", "One", None);
        new.source = Some(SourceId(99));
        let err = store.insert_article(&new).await.unwrap_err();
        assert!(matches!(err, Error::NotFound(_)), "{err}");
    });

    store_test!(async fn finds_articles_by_canonical_url_and_by_hash(store) {
        let a = store
            .insert_article(&new_article("https://a.example/1", "One", None))
            .await
            .unwrap();
        let mut copy = new_article("https://b.example/1", "One again", None);
        copy.content_hash = new_article("https://a.example/1", "", None).content_hash;
        let b = store.insert_article(&copy).await.unwrap();
        assert_ne!(a, b);

        assert_eq!(store.find_article_by_url("https://a.example/1").await.unwrap(), Some(a));
        assert_eq!(store.find_article_by_url("https://b.example/1").await.unwrap(), Some(b));
        assert_eq!(store.find_article_by_url("https://c.example/1").await.unwrap(), None);

        assert_eq!(
            store.find_article_by_hash(&copy.content_hash).await.unwrap(),
            Some(a),
            "earliest wins"
        );
        assert_eq!(store.find_article_by_hash("nope").await.unwrap(), None);
    });

    store_test!(async fn pages_through_articles_in_id_order(store) {
        let mut ids = Vec::new();
        for n in 0..5 {
            let url = format!("https://a.example/{n}");
            ids.push(store.insert_article(&new_article(&url, "T", None)).await.unwrap());
        }
        let first = store.articles_after(None, 2).await.unwrap();
        assert_eq!(first.iter().map(|a| a.id).collect::<Vec<_>>(), ids[..2]);
        let rest = store.articles_after(Some(ids[1]), 10).await.unwrap();
        assert_eq!(rest.iter().map(|a| a.id).collect::<Vec<_>>(), ids[2..]);
        assert!(store.articles_after(Some(ids[4]), 10).await.unwrap().is_empty());
        assert!(store.articles_after(None, 0).await.unwrap().is_empty());
    });

    store_test!(async fn an_unknown_article_is_none(store) {
        assert!(store.article(ArticleId(7)).await.unwrap().is_none());
    });

    store_test!(async fn bad_stored_authors_are_reported_as_corrupt(store) {
        let id = store
            .insert_article(&new_article("https://a.example/1", "T", None))
            .await
            .unwrap();
        store.exec("UPDATE articles SET authors = 'not json' WHERE id = $1", &[id.0]).await;
        let err = store.article(id).await.unwrap_err();
        assert!(
            matches!(err, Error::Corrupt(ref what) if what.contains("authors of article")),
            "{err}"
        );
    });
}
