//! `serve` gathers by itself: a source added by another process while it
//! runs is polled within the minimum interval, its articles show on the
//! front page and in search without a restart, later polls are conditional;
//! and with an explicit --base-url it subscribes to a feed's WebSub hub,
//! answers the hub's verification and ingests signed pushes only.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::backend::database_env;
use crate::common::hostile::{eventually, form_decode, rss_feed, url_encode, Canned, HostileServer, OK_ETAG, PAGES};
use crate::common::{http_get, on_both, ravenwire_env, raw_request, stderr, stdout, TEST_ENV};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Short bounds on the adaptive interval, so that the second poll comes
/// within seconds whatever the feed's rhythm suggests.
const INTERVALS: [(&str, &str); 2] = [("RAVENWIRE_MIN_INTERVAL", "2"), ("RAVENWIRE_MAX_INTERVAL", "4")];
const WAIT: Duration = Duration::from_secs(30);

/// A running `ravenwire serve` whose stdout and stderr are both read all
/// the time (so that its logging can never block it or break its pipe) and
/// kept for failure messages. Killed on drop.
struct Gatherer {
    child: Child,
    base: String,
    log: Arc<Mutex<String>>,
}

impl Gatherer {
    fn get(&self, path: &str) -> (u16, String) {
        http_get(&format!("{}{path}", self.base))
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Gatherer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keep_reading(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
    url: Option<std::sync::mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let (Some(tx), Some(rest)) = (&url, line.split("serving at ").nth(1)) {
                let _ = tx.send(rest.trim().trim_end_matches('/').to_string());
            }
            let mut log = log.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// Starts `ravenwire --data DATA ARGS...` (a `serve` command) with the test
/// environment and short poll intervals, and waits for its URL.
fn serve(data: &Path, args: &[&str]) -> Gatherer {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    let mut child = database_env(&mut command, Some(data))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RAVENWIRE_DATA")
        .env_remove("RAVENWIRE_BASE_URL")
        .envs(TEST_ENV)
        .envs(INTERVALS)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ravenwire binary starts");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    keep_reading(
        child.stdout.take().expect("piped stdout"),
        log.clone(),
        Some(tx.clone()),
    );
    keep_reading(child.stderr.take().expect("piped stderr"), log.clone(), Some(tx));
    match rx.recv_timeout(WAIT) {
        Ok(base) => Gatherer { child, base, log },
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(200));
            panic!("serve printed no URL within {WAIT:?}: {}", log.lock().unwrap());
        }
    }
}

/// Runs `ravenwire add URL` beside the server and returns the source id.
fn add(data: &Path, url: &str) -> String {
    let out = ravenwire_env(data, &["add", url], &INTERVALS, &[]);
    assert!(
        out.status.success(),
        "add {url} failed while serve runs: {}\n{}",
        stderr(&out),
        stdout(&out)
    );
    let text = stdout(&out);
    text.split("as source ")
        .nth(1)
        .map(|rest| rest.trim().chars().take_while(char::is_ascii_digit).collect::<String>())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| panic!("add printed no source id: {text}"))
}

fn serve_polls_a_source_added_while_it_runs_and_polls_it_again_conditionally() {
    let feeds = HostileServer::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = serve(&data, &["serve", "--addr", "127.0.0.1:0"]);

    let (status, front) = server.get("/");
    assert_eq!(status, 200, "{front}");
    assert!(
        front.contains("opml import --starter"),
        "an empty front page should say how to import the starter feeds: {front}"
    );

    let url = feeds.url("/ok.xml");
    add(&data, &url);
    let headline = PAGES[0].headline;
    let mut front = String::new();
    let shown = eventually(WAIT, || {
        front = server.get("/").1;
        front.contains(headline)
    });
    assert!(
        shown,
        "the front page did not show {headline:?} within {WAIT:?}\n--- front page:\n{front}\n{}",
        report(&feeds, &server)
    );
    // The pages read the store at once; search waits for the index commit
    // at the end of the cycle.
    let mut found = String::new();
    let searched = eventually(WAIT, || {
        PAGES[..2].iter().all(|page| {
            let (status, body) = server.get(&format!("/search?q={}", page.word));
            found = body;
            status == 200 && found.contains(page.headline)
        })
    });
    assert!(
        searched,
        "search did not find both polled articles within {WAIT:?}: {found}"
    );

    // Polled again after the interval, with the ETag of the first answer
    // (the first request may be the `add` command's own check).
    let conditional = eventually(WAIT, || {
        let polls = feeds.requests("/ok.xml");
        polls.len() >= 3
            && polls[2..]
                .iter()
                .any(|r| r.header("if-none-match").is_some_and(|v| v.contains(OK_ETAG)))
    });
    assert!(
        conditional,
        "serve did not poll {url} again with If-None-Match {OK_ETAG} within {WAIT:?}\n{}",
        report(&feeds, &server)
    );
    // A 304 brings no page requests.
    assert_eq!(feeds.count("/page/1.html"), 1, "{}", report(&feeds, &server));
}
on_both!(serve_polls_a_source_added_while_it_runs_and_polls_it_again_conditionally);

/// The feed server's request log and serve's output, for failure messages.
fn report(feeds: &HostileServer, server: &Gatherer) -> String {
    format!("--- requests:\n{}--- serve's output:\n{}", feeds.log(), server.log())
}

/// A port that was free a moment ago, for a server whose --base-url must
/// name its port before it starts.
fn free_port() -> u16 {
    let probe = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    probe.local_addr().expect("a bound address").port()
}

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// POSTs `body` to `path` on `base` with an optional X-Hub-Signature.
fn push(base: &str, path: &str, body: &str, signature: Option<&str>) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let signature = signature
        .map(|s| format!("X-Hub-Signature: {s}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\n\
         {signature}Connection: close\r\n\r\n{body}",
        body.len()
    );
    raw_request(base, &request)
}

fn websub_subscription_verification_and_signed_pushes() {
    let feeds = HostileServer::start();
    let topic = feeds.url("/websub.xml");
    let hub = feeds.url("/hub");
    let links = format!(
        "    <atom:link rel=\"hub\" href=\"{hub}\"/>\n    <atom:link rel=\"self\" href=\"{topic}\" type=\"application/rss+xml\"/>\n"
    );
    feeds.put(
        "/websub.xml",
        Canned::new(
            200,
            "application/rss+xml",
            rss_feed(feeds.port, "Vallenby Courier", &[7], &links),
        ),
    );

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = serve(
        &data,
        &[
            "serve",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--base-url",
            &format!("{base}/"),
        ],
    );
    let id = add(&data, &topic);

    // The subscription request: a form POST to the hub.
    let mut form = Default::default();
    let asked = eventually(WAIT, || {
        let posts: Vec<_> = feeds
            .requests("/hub")
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect();
        match posts.first() {
            Some(post) => {
                form = form_decode(&String::from_utf8_lossy(&post.body));
                true
            }
            None => false,
        }
    });
    assert!(
        asked,
        "no subscription request reached the hub within {WAIT:?}\n{}",
        report(&feeds, &server)
    );
    let field = |name: &str| {
        form.get(name)
            .cloned()
            .unwrap_or_else(|| panic!("the subscription lacks {name}: {form:?}"))
    };
    assert_eq!(field("hub.mode"), "subscribe", "{form:?}");
    assert_eq!(field("hub.topic"), topic, "{form:?}");
    let callback = field("hub.callback");
    assert_eq!(callback, format!("{base}/websub/{id}"), "{form:?}");
    let secret = field("hub.secret");
    assert!(secret.len() >= 16, "a weak or empty hub.secret: {form:?}");
    assert!(
        field("hub.lease_seconds").parse::<u64>().is_ok_and(|s| s > 0),
        "{form:?}"
    );

    // Verification of intent: the challenge comes back for the right topic
    // only, and only at this source's callback.
    let path = format!("/websub/{id}");
    let challenge = "kestrel-7731-quartz";
    let verify = |path: &str, topic: &str| {
        server.get(&format!(
            "{path}?hub.mode=subscribe&hub.topic={}&hub.challenge={challenge}&hub.lease_seconds=86400",
            url_encode(topic)
        ))
    };
    let (status, body) = verify(&path, &topic);
    assert_eq!(
        (status, body.as_str()),
        (200, challenge),
        "verification of the right topic"
    );
    let (status, _) = verify(&path, &feeds.url("/some-other-feed.xml"));
    assert_eq!(status, 404, "a verification for another topic must be refused");
    let (status, _) = verify("/websub/987654", &topic);
    assert_eq!(status, 404, "a verification for an unknown source must be refused");

    // Pushes: a forged signature and a missing one are refused and their
    // entries never arrive; a correctly signed one is ingested.
    let forged = rss_feed(feeds.port, "Vallenby Courier", &[6], &links);
    let bad = format!("sha256={}", sign("not-the-secret", forged.as_bytes()));
    let (status, body) = push(&base, &path, &forged, Some(&bad));
    assert_eq!(status, 403, "a push with a wrong signature: {body}");
    let (status, body) = push(&base, &path, &forged, None);
    assert_eq!(status, 403, "a push without a signature: {body}");

    let genuine = rss_feed(feeds.port, "Vallenby Courier", &[5], &links);
    let good = format!("sha256={}", sign(&secret, genuine.as_bytes()));
    let (status, body) = push(&base, &path, &genuine, Some(&good));
    assert!(
        (200..300).contains(&status),
        "a correctly signed push got {status}: {body}"
    );

    let headline = PAGES[4].headline;
    let mut found = String::new();
    let arrived = eventually(WAIT, || {
        found = server.get(&format!("/search?q={}", PAGES[4].word)).1;
        found.contains(headline)
    });
    assert!(
        arrived,
        "the pushed entry {headline:?} was not found within {WAIT:?}\n--- search page:\n{found}\n{}",
        report(&feeds, &server)
    );
    let (_, refused) = server.get(&format!("/search?q={}", PAGES[5].word));
    assert!(
        !refused.contains(PAGES[5].headline),
        "a refused push was ingested: {refused}"
    );
    assert_eq!(
        feeds.count("/page/6.html"),
        0,
        "a refused push was acted on\n{}",
        report(&feeds, &server)
    );
}
on_both!(websub_subscription_verification_and_signed_pushes);
