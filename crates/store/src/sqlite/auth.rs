//! SQLite storage of the admin password's hash, login sessions and API
//! tokens. Sessions and tokens are looked up by the SHA-256 of their value,
//! which is all that is stored; expiry instants compare as text (see
//! `polls.rs` for why that orders them in time).

use chrono::{DateTime, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::{ApiToken, ApiTokenId, Error, Result};

pub(super) async fn password_hash(pool: &SqlitePool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM admin WHERE id = 1")
        .fetch_optional(pool)
        .await?)
}

/// Sets the one admin's hash and ends every session, in one transaction.
pub(super) async fn set_password_hash(
    tx: &mut Transaction<'static, Sqlite>,
    phc: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if phc.trim().is_empty() {
        return Err(Error::Invalid("an empty password hash".to_string()));
    }
    sqlx::query(
        "INSERT INTO admin (id, password_hash, set_at) VALUES (1, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET password_hash = excluded.password_hash, set_at = excluded.set_at",
    )
    .bind(phc)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM sessions").execute(&mut **tx).await?;
    Ok(())
}

pub(super) async fn create_session(
    tx: &mut Transaction<'static, Sqlite>,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= ?")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let inserted = sqlx::query("INSERT INTO sessions (token_hash, created_at, expires_at) VALUES (?, ?, ?)")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **tx)
        .await;
    session_inserted(inserted.map(|_| ()))
}

/// A session's INSERT on either backend: a repeated token is a conflict.
pub(crate) fn session_inserted(inserted: std::result::Result<(), sqlx::Error>) -> Result<()> {
    match inserted {
        Ok(()) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(Error::Conflict("a session with this token".to_string()))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn session_valid(pool: &SqlitePool, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE token_hash = ? AND expires_at > ?")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn delete_session(pool: &SqlitePool, token_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn create_token(
    pool: &SqlitePool,
    name: &str,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<ApiTokenId> {
    if name.trim().is_empty() {
        return Err(Error::Invalid("an API token needs a name".to_string()));
    }
    let inserted =
        sqlx::query_scalar("INSERT INTO api_tokens (name, token_hash, created_at) VALUES (?, ?, ?) RETURNING id")
            .bind(name)
            .bind(token_hash)
            .bind(at)
            .fetch_one(pool)
            .await;
    token_inserted(inserted, name)
}

/// An API token's INSERT on either backend: a repeated name (or hash) is a
/// conflict.
pub(crate) fn token_inserted(inserted: std::result::Result<i64, sqlx::Error>, name: &str) -> Result<ApiTokenId> {
    match inserted {
        Ok(id) => Ok(ApiTokenId(id)),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(Error::Conflict(format!("an API token named {name:?}")))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    id: i64,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
}

impl From<TokenRow> for ApiToken {
    fn from(row: TokenRow) -> Self {
        ApiToken {
            id: ApiTokenId(row.id),
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
        }
    }
}

pub(super) async fn tokens(pool: &SqlitePool) -> Result<Vec<ApiToken>> {
    let rows: Vec<TokenRow> = sqlx::query_as("SELECT id, name, created_at, last_used_at FROM api_tokens ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

pub(super) async fn use_token(pool: &SqlitePool, token_hash: &str, at: DateTime<Utc>) -> Result<Option<ApiToken>> {
    let row: Option<TokenRow> = sqlx::query_as(
        "UPDATE api_tokens SET last_used_at = ? WHERE token_hash = ? \
         RETURNING id, name, created_at, last_used_at",
    )
    .bind(at)
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ApiToken::from))
}

pub(super) async fn revoke_token(pool: &SqlitePool, id: ApiTokenId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::super::test_support::store_test;
    use crate::Error;

    fn at(secs: i64) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc.timestamp_opt(secs, 0).unwrap()
    }

    const DAY: i64 = 86_400;

    store_test!(async fn the_admin_password_is_set_replaced_and_ends_every_session(store) {
        assert_eq!(store.admin_password_hash().await.unwrap(), None);
        store
            .set_admin_password_hash("$argon2id$first", at(1_000))
            .await
            .unwrap();
        assert_eq!(
            store.admin_password_hash().await.unwrap().as_deref(),
            Some("$argon2id$first")
        );

        store
            .create_session("aa", at(2_000), at(2_000 + 30 * DAY))
            .await
            .unwrap();
        assert!(store.session_valid("aa", at(3_000)).await.unwrap());
        store
            .set_admin_password_hash("$argon2id$second", at(4_000))
            .await
            .unwrap();
        assert_eq!(
            store.admin_password_hash().await.unwrap().as_deref(),
            Some("$argon2id$second")
        );
        assert!(
            !store.session_valid("aa", at(5_000)).await.unwrap(),
            "a new password logs everyone out"
        );
        assert!(matches!(
            store.set_admin_password_hash(" ", at(6_000)).await,
            Err(Error::Invalid(_))
        ));
    });

    store_test!(async fn sessions_expire_and_end_at_logout(store) {
        store.create_session("old", at(0), at(DAY)).await.unwrap();
        store.create_session("new", at(10), at(30 * DAY)).await.unwrap();
        assert!(store.session_valid("old", at(DAY - 1)).await.unwrap());
        assert!(!store.session_valid("old", at(DAY)).await.unwrap(), "expired");
        assert!(!store.session_valid("nobody", at(10)).await.unwrap());
        assert!(matches!(
            store.create_session("new", at(20), at(DAY)).await,
            Err(Error::Conflict(_))
        ));
        // A login after the old one expired drops its row.
        store.create_session("third", at(2 * DAY), at(32 * DAY)).await.unwrap();
        assert!(!store.delete_session("old").await.unwrap(), "already dropped");
        assert!(store.delete_session("new").await.unwrap());
        assert!(!store.session_valid("new", at(2 * DAY)).await.unwrap());
        assert!(!store.delete_session("new").await.unwrap());
        assert!(store.session_valid("third", at(2 * DAY)).await.unwrap());
    });

    store_test!(async fn api_tokens_are_found_by_hash_marked_used_and_revoked(store) {
        let ci = store.create_api_token("ci", "hash-ci", at(100)).await.unwrap();
        let bot = store.create_api_token("bot", "hash-bot", at(200)).await.unwrap();
        assert!(matches!(
            store.create_api_token("ci", "hash-other", at(300)).await,
            Err(Error::Conflict(ref what)) if what.contains("\"ci\"")
        ));
        assert!(matches!(
            store.create_api_token("  ", "hash-blank", at(300)).await,
            Err(Error::Invalid(_))
        ));
        let listed = store.api_tokens().await.unwrap();
        assert_eq!(
            listed.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            ["ci", "bot"]
        );
        assert_eq!(listed[0].last_used_at, None);
        assert_eq!(listed[0].created_at, at(100));

        let used = store
            .use_api_token("hash-bot", at(500))
            .await
            .unwrap()
            .expect("known token");
        assert_eq!((used.id, used.last_used_at), (bot, Some(at(500))));
        assert_eq!(store.use_api_token("hash-unknown", at(500)).await.unwrap(), None);

        assert!(store.revoke_api_token(ci).await.unwrap());
        assert!(!store.revoke_api_token(ci).await.unwrap());
        assert_eq!(store.use_api_token("hash-ci", at(600)).await.unwrap(), None);
        assert_eq!(store.api_tokens().await.unwrap().len(), 1);
    });
}
