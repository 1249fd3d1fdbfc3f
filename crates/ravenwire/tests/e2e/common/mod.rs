//! Helpers for end-to-end tests: run the real binary, start `serve` on a
//! free port, and speak plain HTTP/1.1 to it.
#![allow(dead_code)]

pub mod backend;
pub mod hostile;
pub mod recovered;

pub(crate) use backend::on_both;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Runs `ravenwire --data DATA ARGS...` to completion.
pub fn ravenwire(data: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    backend::database_env(&mut cmd, Some(data))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RAVENWIRE_DATA")
        .envs(TEST_ENV)
        .output()
        .expect("the ravenwire binary runs")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A running `ravenwire serve` (or `demo`), killed on drop.
pub struct Served {
    child: Child,
    pub base: String,
}

impl Served {
    /// Starts the binary with `args` (which must make it listen on port 0)
    /// and waits for the line that names its URL.
    pub fn start(data: Option<&Path>, args: &[&str]) -> Served {
        Self::start_with_env(data, args, &[])
    }

    /// [`Served::start`] with extra environment variables.
    pub fn start_with_env(data: Option<&Path>, args: &[&str], env: &[(&str, &Path)]) -> Served {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
        cmd.envs(TEST_ENV);
        cmd.envs(env.iter().copied());
        backend::database_env(&mut cmd, data);
        if let Some(data) = data {
            cmd.arg("--data").arg(data);
        }
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the ravenwire binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let base = read_base_url(&mut lines);
        Served { child, base }
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&format!("{}{}", self.base, path))
    }
}

impl Drop for Served {
    /// Interrupts the server as Ctrl-C would, so that it shuts down as a
    /// user's does (the demo removes its temporary data folder then), and
    /// kills it if it has not stopped within five seconds.
    fn drop(&mut self) {
        let interrupted = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        if interrupted {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while std::time::Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A bare HTTP/1.1 GET: status and body. Enough for our own server, which
/// answers with a Content-Length or closes the connection.
pub fn http_get(url: &str) -> (u16, String) {
    let rest = url.strip_prefix("http://").expect("plain http URL");
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(host).expect("server accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("response is readable");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("response has a header block");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(body) } else { body.to_string() };
    (status, body)
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A tiny static HTTP server on 127.0.0.1 for feed tests. `route` maps a
/// path to a status and body; it runs until dropped.
pub struct FixtureServer {
    pub port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

type Route = dyn Fn(&str, u16) -> (u16, &'static str, Vec<u8>) + Send + Sync;

impl FixtureServer {
    pub fn start(route: Box<Route>) -> FixtureServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                        let mut reader = BufReader::new(stream.try_clone().unwrap());
                        let mut request_line = String::new();
                        if reader.read_line(&mut request_line).is_err() {
                            continue;
                        }
                        loop {
                            let mut header = String::new();
                            match reader.read_line(&mut header) {
                                Ok(0) | Err(_) => break,
                                Ok(_) if header.trim().is_empty() => break,
                                Ok(_) => {}
                            }
                        }
                        let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_string();
                        let (status, content_type, body) = route(&path, port);
                        let head = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        );
                        let _ = stream.write_all(head.as_bytes());
                        let _ = stream.write_all(&body);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FixtureServer {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `ravenwire --data DATA ARGS...` started in the background with its
/// stderr piped, for tests that run two commands at once.
pub fn spawn_ravenwire(data: &Path, args: &[&str], env: &[(&str, &Path)]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    backend::database_env(&mut cmd, Some(data))
        .arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RAVENWIRE_DATA")
        .envs(TEST_ENV)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ravenwire binary starts")
}

/// Polls `ready` every 20 ms until it holds; panics after a generous
/// minute naming `what`.
pub fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !ready() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `ravenwire serve` (or `demo`) that a test stops itself, with its
/// stderr kept to read the log once it has exited. Killed on drop if still
/// running.
pub struct StoppableServer {
    child: Child,
    pub base: String,
}

impl StoppableServer {
    /// Starts the binary with `args` (which must make it listen on port 0)
    /// and waits for the line that names its URL.
    pub fn start(data: Option<&Path>, args: &[&str], env: &[(&str, &Path)]) -> StoppableServer {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
        cmd.envs(TEST_ENV);
        cmd.envs(env.iter().copied()).env_remove("RAVENWIRE_BASE_URL");
        backend::database_env(&mut cmd, data);
        if let Some(data) = data {
            cmd.arg("--data").arg(data);
        }
        let mut child = cmd
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the ravenwire binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
        let base = read_base_url(&mut lines);
        // Keep reading stdout so that later lines never block the server.
        std::thread::spawn(move || lines.for_each(drop));
        StoppableServer { child, base }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal by name (`TERM`, `INT`) with the `kill` command.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("the kill command runs");
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Waits for the server to exit, for at most `within`, and returns its
    /// exit status and everything it wrote to stderr.
    pub fn wait_for_exit(&mut self, within: Duration) -> (std::process::ExitStatus, String) {
        let deadline = std::time::Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("the server can be waited for") {
                break status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not exit within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut log = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = err.read_to_string(&mut log);
        }
        (status, log)
    }
}

impl Drop for StoppableServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `request` as-is and reads the reply until the server closes the
/// connection: status and body. For requests [`http_get`] cannot make,
/// such as one with a forged `Host`.
pub fn raw_request(base: &str, request: &str) -> (u16, String) {
    let host = base.strip_prefix("http://").expect("plain http URL");
    let mut stream = TcpStream::connect(host).expect("server accepts connections");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
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
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    let body = if chunked { dechunk(body) } else { body.to_string() };
    (status, body)
}

/// Reads a starting server's stdout up to its "serving at URL" line and
/// returns the URL without a trailing slash.
fn read_base_url(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> String {
    loop {
        let line = lines
            .next()
            .expect("the server prints its URL before exiting")
            .expect("stdout is readable");
        if let Some(rest) = line.split("serving at ").nth(1) {
            return rest.trim().trim_end_matches('/').to_string();
        }
    }
}

/// The environment every helper above gives the binary: the fixture
/// servers listen on 127.0.0.1, which the SSRF guard would refuse, and a
/// one-second pause between requests to one host would only slow the tests.
pub const TEST_ENV: [(&str, &str); 2] = [("RAVENWIRE_ALLOW_PRIVATE_NETWORKS", "1"), ("RAVENWIRE_HOST_DELAY", "0")];

/// [`ravenwire`] with the test environment changed: `env` set on top of
/// [`TEST_ENV`], then `unset` removed (the SSRF tests unset
/// `RAVENWIRE_ALLOW_PRIVATE_NETWORKS` to turn the guard on).
pub fn ravenwire_env(data: &Path, args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ravenwire"));
    backend::database_env(&mut cmd, Some(data));
    cmd.arg("--data")
        .arg(data)
        .args(args)
        .env_remove("RAVENWIRE_DATA")
        .envs(TEST_ENV)
        .envs(env.iter().copied());
    for name in unset {
        cmd.env_remove(name);
    }
    cmd.output().expect("the ravenwire binary runs")
}

/// Every article as (canonical URL, content hash, in a story), sorted, and
/// the stories as sorted sets of canonical URLs.
pub type Contents = (Vec<(String, String, bool)>, Vec<Vec<String>>);

/// [`Contents`] of a store's articles.
pub fn contents_of_articles(all: &[store::StoredArticle]) -> Contents {
    let mut rows: Vec<_> = all
        .iter()
        .map(|a| (a.canonical_url.clone(), a.content_hash.clone(), a.story.is_some()))
        .collect();
    rows.sort();
    let mut stories = std::collections::BTreeMap::<i64, Vec<String>>::new();
    for a in all {
        stories
            .entry(a.story.map(|s| s.0).unwrap_or(-1))
            .or_default()
            .push(a.canonical_url.clone());
    }
    let mut groups: Vec<_> = stories
        .into_values()
        .map(|mut g| {
            g.sort();
            g
        })
        .collect();
    groups.sort();
    (rows, groups)
}
