//! The SSRF guard: which addresses the fetcher may connect to, checked after
//! DNS resolution on every connection and on every redirect hop.
//!
//! A feed URL comes from a user or from another site's page, so it may point
//! at `localhost`, a router's admin page or a cloud metadata service. Unless
//! private networks are explicitly allowed, the fetcher refuses every address
//! that is not on the public internet. Hostnames are checked where they are
//! resolved (a custom resolver that drops refused addresses), so a name that
//! resolves to a private address is caught however it was reached; IP-literal
//! hosts never reach a resolver and are checked on the first URL and on each
//! redirect hop.

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// What the fetcher may connect to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetPolicy {
    /// Lift the guard: loopback, private and other non-public addresses are
    /// allowed (tests serving from 127.0.0.1, a feed on the local network).
    pub allow_private: bool,
}

impl NetPolicy {
    /// Why this policy refuses `ip`, or `None` when connecting is fine.
    pub fn refuses(&self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_private {
            None
        } else {
            forbidden_reason(ip)
        }
    }
}

/// Why `ip` is not a public internet address the fetcher may connect to
/// (worded to follow the address: "127.0.0.1 is a loopback address"), or
/// `None` when it is. IPv6 forms that carry an IPv4 address (mapped,
/// compatible, NAT64, 6to4) are judged by the IPv4 address they carry.
pub fn forbidden_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_unspecified() {
        Some("an unspecified address")
    } else if a == 0 {
        Some("in 0.0.0.0/8 (this network)")
    } else if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private network address")
    } else if a == 100 && (b & 0xc0) == 64 {
        Some("a carrier-grade NAT address (100.64.0.0/10)")
    } else if ip.is_link_local() {
        if ip == Ipv4Addr::new(169, 254, 169, 254) {
            Some("a cloud metadata address (link-local)")
        } else {
            Some("a link-local address")
        }
    } else if ip.is_broadcast() {
        Some("the broadcast address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if a >= 240 {
        Some("a reserved address (240.0.0.0/4)")
    } else if a == 192 && b == 0 && c == 0 {
        Some("an IETF protocol assignment address (192.0.0.0/24)")
    } else if a == 198 && (b & 0xfe) == 18 {
        Some("a benchmarking address (198.18.0.0/15)")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let segments = ip.segments();
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, deprecated).
    if let Some(v4) = ip.to_ipv4() {
        return forbidden_v4(v4);
    }
    // 64:ff9b::a.b.c.d, the well-known NAT64 prefix, reaches the IPv4 host.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [_, _, _, _, _, _, hi, lo] = segments;
        let v4 = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
        return forbidden_v4(v4);
    }
    // 2002:AABB:CCDD::/48 (6to4) routes to the IPv4 address AA.BB.CC.DD.
    if segments[0] == 0x2002 {
        let [_, hi, lo, ..] = segments;
        let v4 = Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
        if let Some(why) = forbidden_v4(v4) {
            return Some(why);
        }
    }
    let first = segments[0];
    if first & 0xfe00 == 0xfc00 {
        Some("a unique local address (fc00::/7)")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if first & 0xffc0 == 0xfec0 {
        Some("a site-local address (fec0::/10)")
    } else if first & 0xff00 == 0xff00 {
        Some("a multicast address")
    } else {
        None
    }
}

/// The guard's refusal, carried through reqwest's error chain so the fetcher
/// can report it as [`crate::Error::Refused`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {}", self.reason)
    }
}

impl std::error::Error for Refusal {}

/// Why a redirect hop was not followed, other than the guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RedirectStop {
    /// The hop leads to a URL already visited in this chain.
    Loop,
    /// More hops than allowed.
    TooMany,
}

impl fmt::Display for RedirectStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedirectStop::Loop => f.write_str("redirect loop"),
            RedirectStop::TooMany => f.write_str("too many redirects"),
        }
    }
}

impl std::error::Error for RedirectStop {}

/// Refuses a URL whose scheme is not http(s) or whose host is an IP literal
/// the policy forbids. Hostnames pass here; the resolver judges them.
pub(crate) fn check_url(url: &Url, policy: NetPolicy) -> Result<(), Refusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refusal {
            reason: format!("scheme {:?} is not http or https", url.scheme()),
        });
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(_)) => return Ok(()),
        None => {
            return Err(Refusal {
                reason: "the URL has no host".to_string(),
            })
        }
    };
    match policy.refuses(ip) {
        Some(why) => Err(Refusal {
            reason: format!("{ip} is {why}"),
        }),
        None => Ok(()),
    }
}

/// Judges one redirect hop to `next`, having visited `previous` (the first
/// URL asked for included). Loops are told apart from long chains.
pub(crate) fn check_redirect(
    next: &Url,
    previous: &[Url],
    max_redirects: usize,
    policy: NetPolicy,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if let Err(refusal) = check_url(next, policy) {
        return Err(Box::new(Refusal {
            reason: format!("redirect to {next}: {}", refusal.reason),
        }));
    }
    let seen: HashSet<&str> = previous.iter().map(Url::as_str).collect();
    if seen.contains(next.as_str()) {
        return Err(Box::new(RedirectStop::Loop));
    }
    if previous.len() > max_redirects {
        return Err(Box::new(RedirectStop::TooMany));
    }
    Ok(())
}

/// A reqwest resolver that resolves with the system resolver and drops the
/// addresses the policy refuses, failing with a [`Refusal`] when none is left.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GuardedResolver {
    pub policy: NetPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (kept, refused): (Vec<SocketAddr>, Vec<SocketAddr>) =
                found.into_iter().partition(|addr| policy.refuses(addr.ip()).is_none());
            if kept.is_empty() {
                if refused.is_empty() {
                    return Err(format!("{host} resolves to no address").into());
                }
                return Err(Box::new(Refusal {
                    reason: refused_names(&host, &refused),
                }) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// "localhost resolves only to 127.0.0.1, a loopback address" (one address)
/// or a list with each address's reason.
fn refused_names(host: &str, refused: &[SocketAddr]) -> String {
    let mut ips: Vec<IpAddr> = refused.iter().map(SocketAddr::ip).collect();
    ips.dedup();
    let why = |ip: &IpAddr| forbidden_reason(*ip).unwrap_or("refused");
    match ips.as_slice() {
        [ip] => format!("{host} resolves only to {ip}, {}", why(ip)),
        _ => {
            let list: Vec<String> = ips.iter().map(|ip| format!("{ip} ({})", why(ip))).collect();
            format!("{host} resolves only to refused addresses: {}", list.join(", "))
        }
    }
}

/// Finds a guard refusal or redirect stop anywhere in an error's source chain.
pub(crate) fn find_cause(error: &(dyn std::error::Error + 'static)) -> Option<Cause> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(err) = current {
        if let Some(refusal) = err.downcast_ref::<Refusal>() {
            return Some(Cause::Refused(refusal.reason.clone()));
        }
        if let Some(stop) = err.downcast_ref::<RedirectStop>() {
            return Some(Cause::Redirect(stop.clone()));
        }
        current = err.source();
    }
    None
}

pub(crate) enum Cause {
    Refused(String),
    Redirect(RedirectStop),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_table() {
        let refused = [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "169.254.1.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "250.1.2.3",
            "::",
            "::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::192.168.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::10.0.0.1",
            "2002:7f00:1::1",
            "2002:a9fe:a9fe::",
        ];
        for text in refused {
            let ip: IpAddr = text.parse().unwrap();
            assert!(forbidden_reason(ip).is_some(), "{text} should be refused");
            assert_eq!(NetPolicy { allow_private: true }.refuses(ip), None, "{text}");
        }
        let allowed = [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "11.0.0.1",
            "2001:4860:4860::8888",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ];
        for text in allowed {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(forbidden_reason(ip), None, "{text} should be allowed");
        }
        assert_eq!(
            forbidden_reason("127.0.0.1".parse().unwrap()),
            Some("a loopback address")
        );
        assert_eq!(
            forbidden_reason("::ffff:127.0.0.1".parse().unwrap()),
            Some("a loopback address")
        );
        assert!(forbidden_reason("169.254.169.254".parse().unwrap())
            .unwrap()
            .contains("metadata"));
    }

    #[test]
    fn url_checks_cover_scheme_and_ip_literals() {
        let deny = NetPolicy::default();
        let check = |u: &str| check_url(&Url::parse(u).unwrap(), deny);
        assert_eq!(
            check("http://127.0.0.1:8080/feed").unwrap_err().reason,
            "127.0.0.1 is a loopback address"
        );
        assert!(check("http://[::1]/").is_err());
        assert!(check("http://[::ffff:7f00:1]/").is_err());
        // The URL parser reads a bare number as an IPv4 address.
        assert!(check("http://2130706433/").is_err());
        assert!(check("http://0x7f.1/").is_err());
        assert!(check("ftp://news.invalid/").unwrap_err().reason.contains("scheme"));
        assert!(check("http://news.invalid/feed").is_ok());
        assert!(check("https://8.8.8.8/").is_ok());
        let allow = NetPolicy { allow_private: true };
        assert!(check_url(&Url::parse("http://127.0.0.1/").unwrap(), allow).is_ok());
        assert!(check_url(&Url::parse("file:///etc/passwd").unwrap(), allow).is_err());
    }

    #[test]
    fn redirect_checks_refuse_private_hops_loops_and_long_chains() {
        let deny = NetPolicy::default();
        let url = |u: &str| Url::parse(u).unwrap();
        let a = url("http://a.invalid/");
        let b = url("http://b.invalid/");

        let error = check_redirect(&url("http://127.0.0.1/admin"), std::slice::from_ref(&a), 5, deny).unwrap_err();
        let refusal = error.downcast_ref::<Refusal>().unwrap();
        assert_eq!(
            refusal.reason,
            "redirect to http://127.0.0.1/admin: 127.0.0.1 is a loopback address"
        );
        let error = check_redirect(
            &url("http://169.254.169.254/latest/"),
            std::slice::from_ref(&a),
            5,
            deny,
        )
        .unwrap_err();
        assert!(error.downcast_ref::<Refusal>().is_some());
        let error = check_redirect(&url("gopher://a.invalid/"), std::slice::from_ref(&a), 5, deny).unwrap_err();
        assert!(error.downcast_ref::<Refusal>().is_some());

        // A -> B -> A is a loop, found before any limit is reached.
        let error = check_redirect(&a, &[a.clone(), b.clone()], 5, deny).unwrap_err();
        assert_eq!(error.downcast_ref::<RedirectStop>(), Some(&RedirectStop::Loop));

        let chain: Vec<Url> = (0..4).map(|i| url(&format!("http://a.invalid/{i}"))).collect();
        let error = check_redirect(&url("http://a.invalid/next"), &chain, 3, deny).unwrap_err();
        assert_eq!(error.downcast_ref::<RedirectStop>(), Some(&RedirectStop::TooMany));
        assert!(check_redirect(&url("http://a.invalid/next"), &chain[..3], 3, deny).is_ok());

        let allow = NetPolicy { allow_private: true };
        assert!(check_redirect(&url("http://127.0.0.1/"), &[a], 5, allow).is_ok());
    }

    #[tokio::test]
    async fn resolver_drops_refused_addresses_and_names_them() {
        let resolver = GuardedResolver {
            policy: NetPolicy::default(),
        };
        let name: Name = "127.0.0.1".parse().unwrap();
        let error = match resolver.resolve(name).await {
            Ok(_) => panic!("a loopback address must be refused"),
            Err(error) => error,
        };
        let refusal = error.downcast_ref::<Refusal>().unwrap();
        assert_eq!(
            refusal.reason,
            "127.0.0.1 resolves only to 127.0.0.1, a loopback address"
        );

        let open = GuardedResolver {
            policy: NetPolicy { allow_private: true },
        };
        let addrs: Vec<SocketAddr> = match open.resolve("127.0.0.1".parse().unwrap()).await {
            Ok(addrs) => addrs.collect(),
            Err(error) => panic!("{error}"),
        };
        assert_eq!(addrs[0].ip(), IpAddr::from([127, 0, 0, 1]));
    }
}
