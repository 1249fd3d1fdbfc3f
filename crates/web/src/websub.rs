//! WebSub callbacks: `GET /websub/{id}` answers a hub's verification of
//! intent, `POST /websub/{id}` takes the content it pushes. A push counts
//! only with a valid HMAC signature made with the secret the subscription
//! sent; it is then handed to the scheduler through the [`Inbox`], since
//! this crate stores no articles itself.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hmac::{Hmac, Mac};
use store::{SourceId, WebSubState};

use crate::{AppState, Error};

/// Content a hub pushed, signature checked, for the scheduler to ingest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub source: SourceId,
    pub body: Vec<u8>,
}

/// Where checked pushes go: the scheduler's queue.
pub type Inbox = tokio::sync::mpsc::Sender<Push>;

/// The largest push taken, like the fetcher's body cap.
pub const MAX_PUSH_BYTES: usize = 16 * 1024 * 1024;

/// The longest lease recorded, whatever the hub grants.
const MAX_LEASE_SECS: i64 = 90 * 24 * 3600;

/// A hub's verification of intent (or its denial).
pub(crate) async fn verify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, Error> {
    let not_ours = || Error::NotFound(format!("no WebSub subscription for source {id}"));
    let source = state.store.source(SourceId(id)).await?.ok_or_else(not_ours)?;
    let mut websub = source.websub.clone().ok_or_else(not_ours)?;
    let param = |name: &str| params.get(name).map(String::as_str);
    match param("hub.mode") {
        Some("subscribe") => {
            let (Some(topic), Some(challenge)) = (param("hub.topic"), param("hub.challenge")) else {
                return Err(Error::BadRequest(
                    "hub.topic and hub.challenge are required".to_string(),
                ));
            };
            if topic != websub.topic || websub.state == WebSubState::Denied {
                return Err(not_ours());
            }
            let lease = param("hub.lease_seconds")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(MAX_LEASE_SECS)
                .clamp(60, MAX_LEASE_SECS);
            websub.state = WebSubState::Active;
            websub.lease_until = Some(Utc::now() + chrono::Duration::seconds(lease));
            state.store.set_websub(source.id, Some(&websub)).await?;
            tracing::info!(source = id, topic, lease, "WebSub subscription verified");
            Ok((StatusCode::OK, challenge.to_string()).into_response())
        }
        Some("denied") => {
            websub.state = WebSubState::Denied;
            state.store.set_websub(source.id, Some(&websub)).await?;
            tracing::warn!(
                source = id,
                reason = param("hub.reason").unwrap_or(""),
                "WebSub hub denied the subscription"
            );
            Ok(StatusCode::OK.into_response())
        }
        // We never ask to unsubscribe; a request to confirm one is not ours.
        _ => Err(not_ours()),
    }
}

/// Content pushed by a hub.
pub(crate) async fn push(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let not_ours = || Error::NotFound(format!("no WebSub subscription for source {id}"));
    let inbox = state.websub.clone().ok_or_else(not_ours)?;
    let source = state.store.source(SourceId(id)).await?.ok_or_else(not_ours)?;
    let websub = source.websub.ok_or_else(not_ours)?;
    if websub.state == WebSubState::Denied {
        return Err(not_ours());
    }
    let signature = headers
        .get("x-hub-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !verify_signature(&websub.secret, signature, &body) {
        tracing::warn!(source = id, "ignored a WebSub push with a missing or wrong signature");
        return Ok((StatusCode::FORBIDDEN, "signature does not match\n").into_response());
    }
    match inbox.try_send(Push {
        source: source.id,
        body: body.to_vec(),
    }) {
        Ok(()) => Ok(StatusCode::ACCEPTED.into_response()),
        Err(_) => Ok((StatusCode::SERVICE_UNAVAILABLE, "busy; try again later\n").into_response()),
    }
}

/// Checks an `X-Hub-Signature` header (`sha1=`, `sha256=`, `sha384=` or
/// `sha512=` and the hex HMAC of the body) against the secret, in
/// constant time.
pub fn verify_signature(secret: &str, header: &str, body: &[u8]) -> bool {
    let Some((method, hex)) = header.trim().split_once('=') else {
        return false;
    };
    let Some(expected) = decode_hex(hex.trim()) else {
        return false;
    };
    let key = secret.as_bytes();
    match method.to_ascii_lowercase().as_str() {
        "sha1" => check::<Hmac<sha1::Sha1>>(key, body, &expected),
        "sha256" => check::<Hmac<sha2::Sha256>>(key, body, &expected),
        "sha384" => check::<Hmac<sha2::Sha384>>(key, body, &expected),
        "sha512" => check::<Hmac<sha2::Sha512>>(key, body, &expected),
        _ => false,
    }
}

fn check<M: Mac + hmac::digest::KeyInit>(key: &[u8], body: &[u8], expected: &[u8]) -> bool {
    let Ok(mut mac) = <M as hmac::digest::KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(expected).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = <Hmac<sha2::Sha256> as hmac::digest::KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        let bytes = mac.finalize().into_bytes();
        format!(
            "sha256={}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    }

    #[test]
    fn signatures_are_checked_with_the_secret() {
        let body = b"<feed/>";
        let good = sign("s3cret", body);
        assert!(verify_signature("s3cret", &good, body));
        assert!(!verify_signature("other", &good, body));
        assert!(!verify_signature("s3cret", &good, b"<feed>changed</feed>"));
        for bad in ["", "sha256", "sha256=zz", "md5=00", "sha256=0"] {
            assert!(!verify_signature("s3cret", bad, body), "{bad}");
        }
    }

    use axum::body::Body;
    use axum::http::Request;
    use model::{Source, SourceKind};
    use store::WebSub;

    use crate::test_support::Fixture;

    const TOPIC: &str = "https://coast-wire.example/feed.xml";

    /// A feed source with a subscription in `state`, and its id.
    async fn subscribed(fx: &Fixture, state: WebSubState) -> SourceId {
        let store = &fx.state.store;
        let id = store
            .add_source(&Source {
                kind: SourceKind::Feed,
                url: TOPIC.to_string(),
                title: None,
            })
            .await
            .unwrap();
        let websub = WebSub {
            hub: "https://hub.example/".to_string(),
            topic: TOPIC.to_string(),
            secret: "s3cret".to_string(),
            state,
            lease_until: None,
        };
        store.set_websub(id, Some(&websub)).await.unwrap();
        id
    }

    #[tokio::test]
    async fn the_hub_verification_is_answered_only_for_the_topic_asked_for() {
        let fx = Fixture::new().await;
        let id = subscribed(&fx, WebSubState::Requested).await;
        let topic = "https%3A%2F%2Fcoast-wire.example%2Ffeed.xml";
        let wrong = fx
            .get(&format!(
                "/websub/{}?hub.mode=subscribe&hub.topic=https%3A%2F%2Fother.example%2F&hub.challenge=x",
                id.0
            ))
            .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
        let unknown = fx
            .get(&format!(
                "/websub/999?hub.mode=subscribe&hub.topic={topic}&hub.challenge=x"
            ))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        let ok = fx
            .get(&format!(
                "/websub/{}?hub.mode=subscribe&hub.topic={topic}&hub.challenge=c4ll&hub.lease_seconds=3600",
                id.0
            ))
            .await;
        assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, "c4ll"));
        let websub = fx.state.store.source(id).await.unwrap().unwrap().websub.unwrap();
        assert_eq!(websub.state, WebSubState::Active);
        let left = websub.lease_until.unwrap() - Utc::now();
        assert!(
            left > chrono::Duration::minutes(55) && left <= chrono::Duration::hours(1),
            "{left}"
        );
    }

    #[tokio::test]
    async fn a_push_counts_only_with_the_right_signature() {
        let mut fx = Fixture::new().await;
        let id = subscribed(&fx, WebSubState::Active).await;
        let post = |signature: Option<String>| {
            let mut request = Request::post(format!("/websub/{}", id.0));
            if let Some(signature) = signature {
                request = request.header("X-Hub-Signature", signature);
            }
            request.body(Body::from("<rss/>")).unwrap()
        };
        // WebSub off: nothing is taken.
        let off = fx.send(post(Some(sign("s3cret", b"<rss/>")))).await;
        assert_eq!(off.status, StatusCode::NOT_FOUND);

        let (sender, mut inbox) = tokio::sync::mpsc::channel(4);
        fx.state.websub = Some(sender);
        for bad in [None, Some(sign("wrong", b"<rss/>")), Some(sign("s3cret", b"<other/>"))] {
            let reply = fx.send(post(bad.clone())).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{bad:?}");
        }
        assert!(inbox.try_recv().is_err(), "no unsigned push reaches the scheduler");

        let good = fx.send(post(Some(sign("s3cret", b"<rss/>")))).await;
        assert_eq!(good.status, StatusCode::ACCEPTED);
        let push = inbox.try_recv().unwrap();
        assert_eq!((push.source, push.body.as_slice()), (id, b"<rss/>".as_slice()));
    }
}
