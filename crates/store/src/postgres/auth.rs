//! PostgreSQL storage of the admin password's hash, login sessions and API
//! tokens, kept as in the SQLite backend: only hashes.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, Transaction};

use crate::sqlite::auth::{session_inserted, token_inserted, TokenRow};
use crate::{ApiToken, ApiTokenId, Error, Result};

pub(super) async fn password_hash(pool: &PgPool) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT password_hash FROM admin WHERE id = 1")
        .fetch_optional(pool)
        .await?)
}

/// Sets the one admin's hash and ends every session, in one transaction.
pub(super) async fn set_password_hash(
    tx: &mut Transaction<'static, Postgres>,
    phc: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    if phc.trim().is_empty() {
        return Err(Error::Invalid("an empty password hash".to_string()));
    }
    sqlx::query(
        "INSERT INTO admin (id, password_hash, set_at) VALUES (1, $1, $2) \
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
    tx: &mut Transaction<'static, Postgres>,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&mut **tx)
        .await?;
    let inserted = sqlx::query("INSERT INTO sessions (token_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **tx)
        .await;
    session_inserted(inserted.map(|_| ()))
}

pub(super) async fn session_valid(pool: &PgPool, token_hash: &str, now: DateTime<Utc>) -> Result<bool> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn delete_session(pool: &PgPool, token_hash: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn create_token(pool: &PgPool, name: &str, token_hash: &str, at: DateTime<Utc>) -> Result<ApiTokenId> {
    if name.trim().is_empty() {
        return Err(Error::Invalid("an API token needs a name".to_string()));
    }
    let inserted =
        sqlx::query_scalar("INSERT INTO api_tokens (name, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id")
            .bind(name)
            .bind(token_hash)
            .bind(at)
            .fetch_one(pool)
            .await;
    token_inserted(inserted, name)
}

pub(super) async fn tokens(pool: &PgPool) -> Result<Vec<ApiToken>> {
    let rows: Vec<TokenRow> = sqlx::query_as("SELECT id, name, created_at, last_used_at FROM api_tokens ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

pub(super) async fn use_token(pool: &PgPool, token_hash: &str, at: DateTime<Utc>) -> Result<Option<ApiToken>> {
    let row: Option<TokenRow> = sqlx::query_as(
        "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
         RETURNING id, name, created_at, last_used_at",
    )
    .bind(at)
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(ApiToken::from))
}

pub(super) async fn revoke_token(pool: &PgPool, id: ApiTokenId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM api_tokens WHERE id = $1")
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}
