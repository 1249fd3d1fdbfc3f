//! The admin end to end with the real binary: the password set through a
//! pipe, an API token made on the command line, a login over raw HTTP with
//! its cookies, a source added through the sources page's form and seen by
//! `ravenwire sources --json`, the API's credentials, and private mode.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crate::common::backend::database_env;
use crate::common::{on_both, ravenwire, stderr, stdout, Served, StoppableServer, TEST_ENV};
use serde_json::Value;

const PASSWORD: &str = "tidewater-lantern-42";

/// `ravenwire --data DATA admin set-password` with `input` on a pipe.
fn set_password(data: &Path, input: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    let mut child = database_env(&mut command, Some(data))
        .arg("--data")
        .arg(data)
        .args(["admin", "set-password"])
        .env_remove("RAVENWIRE_DATA")
        .envs(TEST_ENV)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ravenwire binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the password is written");
    child.wait_with_output().expect("set-password ends")
}

/// One answer: status, header block (lower-cased names kept as sent) and body.
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Vec<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .lines()
            .filter(|line| line.to_ascii_lowercase().starts_with(&prefix))
            .map(|line| line[prefix.len()..].trim().to_string())
            .collect()
    }

    /// The value a `Set-Cookie` header gives cookie `name`, and the whole header.
    fn cookie(&self, name: &str) -> Option<(String, String)> {
        self.header("set-cookie").into_iter().find_map(|cookie| {
            let value = cookie.strip_prefix(&format!("{name}="))?.split(';').next()?.to_string();
            Some((value, cookie))
        })
    }
}

/// Sends one request over a fresh connection and reads the whole answer.
fn exchange(base: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let host = base.strip_prefix("http://").expect("plain http URL");
    let mut stream = TcpStream::connect(host).expect("server accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response is readable");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("response has a header block");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    assert!(
        !head.to_ascii_lowercase().contains("transfer-encoding: chunked"),
        "a chunked answer: {head}"
    );
    Answer {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The value of the hidden field `name` in a page.
fn hidden_field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

/// Logs in through the form; returns the `Cookie` header value.
fn log_in(base: &str) -> String {
    let page = exchange(base, "GET", "/login?next=/sources", &[], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, _) = page.cookie("rw_csrf").expect("a CSRF cookie");
    assert_eq!(hidden_field(&page.body, "csrf"), csrf);
    let jar = format!("rw_csrf={csrf}");

    let wrong = form_encode(&[("csrf", &csrf), ("password", "not-the-password"), ("next", "/sources")]);
    let refused = exchange(base, "POST", "/login", &[FORM, ("Cookie", &jar)], &wrong);
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert!(refused.cookie("rw_session").is_none());

    let form = form_encode(&[("csrf", &csrf), ("password", PASSWORD), ("next", "/sources")]);
    let answer = exchange(base, "POST", "/login", &[FORM, ("Cookie", &jar)], &form);
    assert_eq!(answer.status, 303, "{}\n{}", answer.head, answer.body);
    assert_eq!(answer.header("location"), ["/sources"]);
    let (session, cookie) = answer.cookie("rw_session").expect("a session cookie");
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    format!("{jar}; rw_session={session}")
}

fn sources_json(data: &Path) -> Vec<Value> {
    let out = ravenwire(data, &["sources", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str::<Value>(&stdout(&out))
        .expect("JSON")
        .as_array()
        .expect("an array")
        .clone()
}

fn an_admin_logs_in_adds_a_source_and_a_token_writes_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");

    let short = set_password(&data, "too-short\n");
    assert!(!short.status.success());
    assert!(stderr(&short).contains("at least 10"), "{}", stderr(&short));
    let set = set_password(&data, &format!("{PASSWORD}\n"));
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(stdout(&set).contains("admin password set"), "{}", stdout(&set));

    let made = ravenwire(&data, &["token", "create", "harbour-bot"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let printed = stdout(&made);
    let token = printed.lines().last().expect("a last line").to_string();
    assert!(
        token.starts_with("rw_") && token.len() == 67 && token[3..].bytes().all(|b| b.is_ascii_hexdigit()),
        "{printed}"
    );
    let listed = stdout(&ravenwire(&data, &["token", "list"]));
    assert!(
        listed.contains("harbour-bot") && !listed.contains(&token[3..]),
        "{listed}"
    );

    let served = Served::start(Some(&data), &["serve", "--addr", "127.0.0.1:0", "--no-gather"]);
    let base = served.base.as_str();

    let locked = exchange(base, "GET", "/sources", &[], "");
    assert_eq!(locked.status, 303);
    assert_eq!(locked.header("location"), ["/login?next=%2Fsources"]);

    let jar = log_in(base);
    let page = exchange(base, "GET", "/sources", &[("Cookie", &jar)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = hidden_field(&page.body, "csrf");
    let form = form_encode(&[("csrf", &csrf), ("url", "https://isle-courier.example/feed.xml")]);
    let added = exchange(base, "POST", "/sources", &[FORM, ("Cookie", &jar)], &form);
    assert_eq!(added.status, 303, "{}", added.body);
    let sources = sources_json(&data);
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert_eq!(sources[0]["url"], "https://isle-courier.example/feed.xml");
    assert_eq!(sources[0]["kind"], "feed");

    // The API: no credentials 401, a bad token 403, the real one 201 and 204.
    let body = r#"{"url": "https://fjord-daily.example/news-sitemap.xml"}"#;
    let json = ("Content-Type", "application/json");
    let none = exchange(base, "POST", "/api/v1/sources", &[json], body);
    assert_eq!(none.status, 401, "{}", none.body);
    let bad_token = format!("Bearer rw_{}", "0".repeat(64));
    let bad = exchange(
        base,
        "POST",
        "/api/v1/sources",
        &[json, ("Authorization", &bad_token)],
        body,
    );
    assert_eq!(bad.status, 403, "{}", bad.body);
    let bearer = format!("Bearer {token}");
    let created = exchange(
        base,
        "POST",
        "/api/v1/sources",
        &[json, ("Authorization", &bearer)],
        body,
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let source: Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(source["kind"], "sitemap");
    assert_eq!(sources_json(&data).len(), 2);
    let path = format!("/api/v1/sources/{}", source["id"]);
    let deleted = exchange(base, "DELETE", &path, &[("Authorization", &bearer)], "");
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(sources_json(&data).len(), 1);

    let revoked = ravenwire(&data, &["token", "revoke", "harbour-bot"]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let after = exchange(base, "DELETE", "/api/v1/sources/1", &[("Authorization", &bearer)], "");
    assert_eq!(after.status, 403, "a revoked token writes nothing");

    let out = exchange(
        base,
        "POST",
        "/logout",
        &[FORM, ("Cookie", &jar)],
        &form_encode(&[("csrf", &csrf)]),
    );
    assert_eq!(out.status, 303);
    let gone = exchange(base, "GET", "/sources", &[("Cookie", &jar)], "");
    assert_eq!(gone.status, 303, "logged out");
}
on_both!(an_admin_logs_in_adds_a_source_and_a_token_writes_through_the_api);

fn a_private_server_asks_for_a_login_and_says_when_no_password_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut served = StoppableServer::start(
        Some(&data),
        &["serve", "--addr", "127.0.0.1:0", "--no-gather", "--private"],
        &[],
    );
    let base = served.base.as_str();
    let front = exchange(base, "GET", "/", &[], "");
    assert_eq!(front.status, 303);
    assert_eq!(front.header("location"), ["/login?next=%2F"]);
    assert_eq!(exchange(base, "GET", "/api/v1/stories", &[], "").status, 401);
    assert_eq!(exchange(base, "GET", "/healthz", &[], "").status, 200);
    let login = exchange(base, "GET", "/login", &[], "");
    assert_eq!(login.status, 200);
    assert!(
        login
            .body
            .contains("No admin password is set; run `ravenwire admin set-password`."),
        "{}",
        login.body
    );
    served.signal("TERM");
    let (_, log) = served.wait_for_exit(Duration::from_secs(30));
    assert!(
        log.contains("no admin password is set") && log.contains("run `ravenwire admin set-password`"),
        "{log}"
    );
}
on_both!(a_private_server_asks_for_a_login_and_says_when_no_password_is_set);
