//! `ravenwire migrate --to postgres://…`: an SQLite store copied, row for
//! row and id for id, into an empty PostgreSQL database.
//!
//! The copy is one PostgreSQL transaction: it lands whole or not at all, so
//! a copy that fails (or is killed) leaves the target empty and can simply
//! be run again. The SQLite file is only read. Each table is copied in the
//! order the PostgreSQL schema creates them (references point backwards),
//! every value passing as text through a cast to the target column's type;
//! then each id sequence is set past the highest id copied.

use std::path::Path;

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use crate::{Error, PgStore, Result, SqliteStore};

/// The tables, in the order they can be filled.
pub const TABLES: &[&str] = &[
    "sources",
    "fetches",
    "articles",
    "stories",
    "story_members",
    "related_stories",
    "reindex_queue",
    "polls",
    "admin",
    "sessions",
    "api_tokens",
    "saved_searches",
    "entities",
    "article_entities",
    "entity_scans",
    "jobs",
];

/// Rows read from SQLite at a time.
const READ_BATCH: i64 = 2000;

/// Bind parameters in one PostgreSQL statement, well under its limit.
const MAX_PARAMS: usize = 30_000;

/// What was copied: rows per table, in [`TABLES`] order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Copied {
    pub tables: Vec<(String, u64)>,
}

/// Copies the SQLite store at `from` into the empty PostgreSQL store `to`.
/// `progress` hears each table's name and its rows copied so far.
/// [`Error::Invalid`] when the target already holds sources or articles, or
/// when an SQLite column has no place in the PostgreSQL schema.
pub async fn sqlite_to_postgres(from: &Path, to: &PgStore, mut progress: impl FnMut(&str, u64)) -> Result<Copied> {
    let source = SqliteStore::open(from).await?;
    let mut tx = to.pool.begin().await?;
    let held: i64 = sqlx::query_scalar("SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM sources)")
        .fetch_one(&mut *tx)
        .await?;
    if held > 0 {
        return Err(Error::Invalid(
            "the PostgreSQL database already holds sources or articles; migrate into an empty one".to_string(),
        ));
    }
    let mut copied = Copied::default();
    for table in TABLES {
        let targets = pg_columns(&mut tx, table).await?;
        let mut after = i64::MIN;
        let mut rows_done = 0u64;
        let mut columns: Option<Vec<(String, String)>> = None;
        loop {
            let rows: Vec<SqliteRow> = sqlx::query(&format!(
                "SELECT rowid AS rw_rowid, * FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT ?"
            ))
            .bind(after)
            .bind(READ_BATCH)
            .fetch_all(&source.pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get::<i64, _>(0)?;
            let columns = match &columns {
                Some(columns) => columns,
                None => columns.insert(matching_columns(table, &rows[0], &targets)?),
            };
            let per_statement = (MAX_PARAMS / columns.len().max(1)).max(1);
            for chunk in rows.chunks(per_statement) {
                insert_rows(&mut tx, table, columns, chunk).await?;
            }
            rows_done += rows.len() as u64;
            progress(table, rows_done);
        }
        if targets.iter().any(|(name, _)| name == "id") {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        copied.tables.push((table.to_string(), rows_done));
    }
    // The change log goes on from where SQLite's left off: the highest seq
    // pruned there, and new seqs above every one copied or pruned.
    let pruned: i64 = sqlx::query_scalar("SELECT through FROM change_log_pruned WHERE id = 1")
        .fetch_one(&source.pool)
        .await?;
    sqlx::query("UPDATE change_log_pruned SET through = $1 WHERE id = 1")
        .bind(pruned)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('reindex_queue', 'seq'), \
         GREATEST(COALESCE(MAX(seq), 0), $1) + 1, false) FROM reindex_queue",
    )
    .bind(pruned)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    source.close().await;
    Ok(copied)
}

/// The target table's columns and their type names, for the casts.
async fn pg_columns(tx: &mut sqlx::PgConnection, table: &str) -> Result<Vec<(String, String)>> {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::TEXT, udt_name::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(tx)
    .await?;
    if columns.is_empty() {
        return Err(Error::Invalid(format!("the PostgreSQL schema has no table {table}")));
    }
    Ok(columns)
}

/// The SQLite row's columns (less the rowid) with their PostgreSQL types;
/// a column PostgreSQL lacks would be lost, so it is an error.
fn matching_columns(table: &str, row: &SqliteRow, targets: &[(String, String)]) -> Result<Vec<(String, String)>> {
    row.columns()
        .iter()
        .skip(1)
        .map(|column| {
            let name = column.name();
            targets
                .iter()
                .find(|(target, _)| target == name)
                .cloned()
                .ok_or_else(|| Error::Invalid(format!("column {table}.{name} has no place in the PostgreSQL schema")))
        })
        .collect()
}

async fn insert_rows(
    tx: &mut sqlx::PgConnection,
    table: &str,
    columns: &[(String, String)],
    rows: &[SqliteRow],
) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut n = 0;
    for (r, _) in rows.iter().enumerate() {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for (c, (_, ty)) in columns.iter().enumerate() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            sql.push_str(&format!("${n}::TEXT::{ty}"));
        }
        sql.push(')');
    }
    let mut query = sqlx::query(&sql);
    for row in rows {
        for c in 0..columns.len() {
            query = query.bind(text_of(row, c + 1)?);
        }
    }
    query.execute(tx).await?;
    Ok(())
}

/// A value as text that PostgreSQL casts to the column's type: numbers in
/// decimal, blobs as `\x` hex (bytea's input form), NULL as `None`.
fn text_of(row: &SqliteRow, i: usize) -> Result<Option<String>> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(None);
    }
    let kind = raw.type_info().name().to_ascii_uppercase();
    Ok(Some(match kind.as_str() {
        "INTEGER" | "BOOLEAN" => row.try_get::<i64, _>(i)?.to_string(),
        "REAL" => row.try_get::<f64, _>(i)?.to_string(),
        "BLOB" => {
            let bytes: Vec<u8> = row.try_get(i)?;
            let mut hex = String::with_capacity(2 + bytes.len() * 2);
            hex.push_str("\\x");
            for b in bytes {
                hex.push_str(&format!("{b:02x}"));
            }
            hex
        }
        _ => row.try_get::<String, _>(i)?,
    }))
}

/// Rows per table in a PostgreSQL store, in [`TABLES`] order: what a
/// finished copy is checked against.
pub async fn postgres_counts(store: &PgStore) -> Result<Vec<(String, u64)>> {
    let mut counts = Vec::new();
    for table in TABLES {
        let row: PgRow = sqlx::query(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&store.pool)
            .await?;
        counts.push((table.to_string(), u64::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0)));
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use model::{Source, SourceKind};

    use super::*;
    use crate::sqlite::test_support::{new_article, placement};
    use crate::{ArticleEntity, JobKind, NewJob, Store};

    #[tokio::test]
    async fn an_sqlite_store_arrives_in_postgres_whole_with_its_ids() {
        let (dir, sqlite) = crate::test_support::sqlite_store().await;
        let source = sqlite
            .add_source(&Source {
                url: "https://wire.example/feed".to_string(),
                title: Some("Wire".to_string()),
                kind: SourceKind::Feed,
            })
            .await
            .unwrap();
        let mut ids = Vec::new();
        for n in 0..5 {
            let mut article = new_article(
                &format!("https://wire.example/{n}"),
                &format!("Story {n}"),
                Some("2025-03-01T08:00:00Z"),
            );
            article.source = Some(source);
            let id = sqlite.insert_article(&article).await.unwrap();
            sqlite
                .assign_story(id, &placement(if n < 3 { "a" } else { "b" }))
                .await
                .unwrap();
            ids.push(id);
        }
        sqlite
            .set_article_entities(
                ids[0],
                1,
                &[ArticleEntity {
                    key: "place:oskarvik".to_string(),
                    name: "Oskarvik".to_string(),
                    kind: model::EntityKind::Place,
                    mentions: 2,
                }],
            )
            .await
            .unwrap();
        let job = NewJob {
            kind: JobKind::Page,
            key: "k".to_string(),
            origin: "a.html".to_string(),
            url: None,
            body: Some(vec![0, 1, 2, 255]),
            charset: None,
            source: None,
        };
        sqlite.enqueue_jobs(&[job], Utc::now()).await.unwrap();
        let before = sqlite.stats().await.unwrap();
        let stories_before = sqlite.latest_stories(10, 0).await.unwrap();
        sqlite.close().await;

        let Some((db, pg)) = crate::test_support::pg_store().await else {
            return;
        };
        let path = dir.path().join("ravenwire.db");
        let mut heard = Vec::new();
        let copied = sqlite_to_postgres(&path, &pg, |table, n| heard.push((table.to_string(), n)))
            .await
            .unwrap();
        assert!(copied.tables.contains(&("articles".to_string(), 5)), "{copied:?}");
        assert!(heard.contains(&("story_members".to_string(), 5)), "{heard:?}");
        assert_eq!(pg.stats().await.unwrap(), before);
        let stories_after = pg.latest_stories(10, 0).await.unwrap();
        assert_eq!(
            stories_after
                .iter()
                .map(|s| (s.id, s.article_count))
                .collect::<Vec<_>>(),
            stories_before
                .iter()
                .map(|s| (s.id, s.article_count))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            pg.article(ids[4]).await.unwrap().unwrap().canonical_url,
            "https://wire.example/4"
        );
        let claimed = pg
            .claim_jobs("w", Utc::now(), std::time::Duration::from_secs(9), 1)
            .await
            .unwrap();
        assert_eq!(claimed[0].body.as_deref(), Some(&[0u8, 1, 2, 255][..]));
        // The sequences go on past the copied ids.
        let next = pg
            .insert_article(&new_article("https://wire.example/new", "New", None))
            .await
            .unwrap();
        assert!(next.0 > ids[4].0, "{next:?} after {:?}", ids[4]);
        // A second copy into the same database is refused.
        let again = sqlite_to_postgres(&path, &pg, |_, _| {}).await;
        assert!(matches!(again, Err(Error::Invalid(_))), "{again:?}");
        pg.close().await;
        db.drop_database().await;
    }
}
