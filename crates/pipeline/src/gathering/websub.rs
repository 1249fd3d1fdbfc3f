//! WebSub (W3C Recommendation, 2018): where a feed names a hub and `serve`
//! has a public callback URL, the scheduler subscribes, keeps the lease
//! alive, and takes pushed content; the web layer checks pushes against
//! the HMAC secret sent with the subscription.

use std::time::Duration;

use chrono::{DateTime, Utc};

use gather::Fetcher;
use store::{SourceId, Store, StoredSource, WebSub, WebSubState};

/// Where hubs reach this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubConfig {
    /// The public base URL, ending in `/`; callbacks are `BASE/websub/ID`.
    pub callback_base: String,
    /// The lease asked for.
    pub lease: Duration,
}

impl WebSubConfig {
    pub fn callback(&self, source: SourceId) -> String {
        format!("{}websub/{}", self.callback_base, source.0)
    }
}

/// Content a hub pushed for a source, checked by the web layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubPush {
    pub source: SourceId,
    pub body: Vec<u8>,
}

/// A request not verified within this long is sent again.
const VERIFY_WITHIN: chrono::Duration = chrono::Duration::hours(1);
/// A lease is renewed when less than this is left of it.
const RENEW_BEFORE: chrono::Duration = chrono::Duration::days(1);

/// Whether the source needs a (new) subscription request now.
fn needs_request(current: Option<&WebSub>, hub: &str, topic: &str, now: DateTime<Utc>) -> bool {
    let Some(current) = current else { return true };
    if current.hub != hub || current.topic != topic {
        return true;
    }
    match current.state {
        // The hub said no; ask again only once the feed names another hub.
        WebSubState::Denied => false,
        WebSubState::Requested => current.lease_until.is_none_or(|t| t <= now),
        WebSubState::Active => current.lease_until.is_none_or(|t| t - RENEW_BEFORE <= now),
    }
}

/// After a poll: subscribes (or renews) at the feed's hub when needed. A
/// hub that fails is logged and asked again at a later poll; it never
/// fails the poll.
pub(super) async fn renew_if_needed(
    store: &dyn Store,
    fetcher: &Fetcher,
    config: &WebSubConfig,
    source: &StoredSource,
    hub: &Option<String>,
    self_url: &Option<String>,
) -> crate::Result<()> {
    let Some(hub) = hub else { return Ok(()) };
    let topic = self_url.clone().unwrap_or_else(|| source.url.clone());
    let now = Utc::now();
    if !needs_request(source.websub.as_ref(), hub, &topic, now) {
        return Ok(());
    }
    let secret = match &source.websub {
        Some(current) if current.hub == *hub => current.secret.clone(),
        _ => new_secret(),
    };
    let callback = config.callback(source.id);
    let lease = config.lease.as_secs().to_string();
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", topic.as_str()),
        ("hub.callback", callback.as_str()),
        ("hub.secret", secret.as_str()),
        ("hub.lease_seconds", lease.as_str()),
    ];
    match fetcher.post_form(hub, &form).await {
        Ok(status) if (200..300).contains(&status) => {
            tracing::info!(hub = %hub, topic = %topic, "asked the hub for a WebSub subscription");
            let requested = WebSub {
                hub: hub.clone(),
                topic,
                secret,
                state: WebSubState::Requested,
                // Until the hub verifies: when to ask again.
                lease_until: Some(now + VERIFY_WITHIN),
            };
            store.set_websub(source.id, Some(&requested)).await?;
        }
        Ok(status) => tracing::warn!(hub = %hub, status, "the WebSub hub refused the subscription"),
        Err(e) => tracing::warn!(hub = %hub, error = %e, "cannot reach the WebSub hub"),
    }
    Ok(())
}

/// 32 random bytes, hex: the HMAC key a hub signs pushes with.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No system randomness: a subscription without a usable secret is
        // worse than none, but a clock-derived key still beats a constant.
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        bytes[..8].copy_from_slice(&nanos.to_le_bytes());
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_64_hex_digits_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn requests_are_sent_when_missing_changed_expiring_or_unverified() {
        let now = Utc::now();
        let active = WebSub {
            hub: "https://hub.example/".into(),
            topic: "https://news.example/feed".into(),
            secret: "k".into(),
            state: WebSubState::Active,
            lease_until: Some(now + chrono::Duration::days(5)),
        };
        assert!(needs_request(None, &active.hub, &active.topic, now));
        assert!(!needs_request(Some(&active), &active.hub, &active.topic, now));
        assert!(needs_request(
            Some(&active),
            "https://other.example/",
            &active.topic,
            now
        ));
        let expiring = WebSub {
            lease_until: Some(now + chrono::Duration::hours(2)),
            ..active.clone()
        };
        assert!(needs_request(Some(&expiring), &active.hub, &active.topic, now));
        let waiting = WebSub {
            state: WebSubState::Requested,
            lease_until: Some(now + chrono::Duration::minutes(10)),
            ..active.clone()
        };
        assert!(!needs_request(Some(&waiting), &active.hub, &active.topic, now));
        let stale = WebSub {
            lease_until: Some(now - chrono::Duration::minutes(1)),
            ..waiting
        };
        assert!(needs_request(Some(&stale), &active.hub, &active.topic, now));
        let denied = WebSub {
            state: WebSubState::Denied,
            ..active.clone()
        };
        assert!(!needs_request(Some(&denied), &active.hub, &active.topic, now));
    }
}
