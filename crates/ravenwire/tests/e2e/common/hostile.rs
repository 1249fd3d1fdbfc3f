//! A hostile HTTP server on 127.0.0.1 for the gathering tests: good feeds and
//! article pages beside every misbehaviour a feed host can show (timeouts,
//! error statuses, Retry-After, redirect loops, endless and compressed bombs,
//! wrong charsets, broken XML, HTML posing as a feed). It records every
//! request, so tests can assert what was (and was not) asked for.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ravenwire, stderr, stdout};

/// The ETag `/ok.xml` is served with.
pub const OK_ETAG: &str = "\"ok-feed-v1\"";
/// The Last-Modified date `/ok.xml` is served with.
pub const OK_LAST_MODIFIED: &str = "Wed, 08 Oct 2025 08:00:00 GMT";
/// How long `/slow.xml` takes to send its body, in seconds; tests set
/// RAVENWIRE_FETCH_TIMEOUT well below it.
pub const SLOW_SECS: u64 = 10;
/// How long `/late/N.html` waits before it answers as `/page/N.html` does.
pub const LATE_SECS: u64 = 2;
/// Uncompressed size of `/bomb.xml`. Its gzip form (about 1:1000) is well
/// under a 100 000-byte body cap, the decompressed body far over it; and
/// since the padding is whitespace, a client without a cap on decompressed
/// bytes would parse it as a valid, empty feed and record no error.
pub const BOMB_BYTES: usize = 64 * 1024 * 1024;

/// One invented article page: headline, a unique search word (lower case,
/// found in the headline) and its paragraphs.
pub struct Page {
    pub headline: &'static str,
    pub word: &'static str,
    pub outlet: &'static str,
    pub published: &'static str,
    pub paragraphs: [&'static str; 4],
}

/// The pages served at `/page/N.html`, N counted from 1.
pub const PAGES: [Page; 8] = [
    Page {
        headline: "Brackenford bakery feeds flood volunteers",
        word: "brackenford",
        outlet: "Fenwater Gazette",
        published: "2025-10-06T07:30:00+02:00",
        paragraphs: [
            "A family bakery in Brackenford kept its ovens running through the night on Tuesday to feed the volunteers who were filling sandbags along the swollen river.",
            "Owner Edith Marchbank said her staff baked more than four hundred rolls before dawn and carried them to the church hall in wheelbarrows when the road was closed.",
            "The river crested a few centimetres below the old stone wall in the early morning, and the district office said no homes had been flooded in the village.",
            "Volunteers plan to meet again on Saturday to clear the towpath, and the bakery has promised to bring its last batch of plum cake to the clean-up.",
        ],
    },
    Page {
        headline: "Wyndholt council approves new cycle bridge",
        word: "wyndholt",
        outlet: "Fenwater Gazette",
        published: "2025-10-07T16:10:00+02:00",
        paragraphs: [
            "Wyndholt town council voted nine to four on Monday evening to build a cycle and footbridge across the railway cutting next to the grammar school.",
            "The bridge will replace a level crossing that parents have called dangerous for years, and it is expected to cost a little under two million.",
            "Councillor Priya Lanyon, who proposed the plan, said construction could begin next summer if the rail operator agrees to close the line for two weekends.",
            "Opponents argued that the money should go to repairing potholes on the ring road first, and asked for a public meeting before the final contract is signed.",
        ],
    },
    Page {
        headline: "Corvimont fishermen bring in record sardine catch",
        word: "corvimont",
        outlet: "Littoral Daily",
        published: "2025-10-08T06:45:00+02:00",
        paragraphs: [
            "The small fleet of Corvimont landed its largest sardine catch in living memory on Wednesday, filling every crate at the harbour market before sunrise.",
            "Skipper Anselme Brivet said the shoals had moved unusually close to the coast after a week of calm weather and cold water rising from the deep.",
            "Prices at the morning auction fell by almost half, and several restaurants along the quay offered grilled sardines to passers-by for free at lunchtime.",
            "Marine scientists at the regional institute asked the crews to share their logbooks, hoping the records will explain why the fish returned this year.",
        ],
    },
    Page {
        headline: "Salvetto museum reopens its clock tower",
        word: "salvetto",
        outlet: "Littoral Daily",
        published: "2025-10-09T10:00:00+02:00",
        paragraphs: [
            "Visitors to the Salvetto town museum can climb the restored clock tower again from this weekend, after three years of scaffolding and careful repairs.",
            "Restorers replaced the rotten oak stairs, cleaned the bronze bell and rebuilt the clockwork from drawings found in the archive of the former watchmaker.",
            "Curator Livia Ostana said the clock now keeps time to within a few seconds a week, better than it ever did when it was first wound in the last century.",
            "Tours run every hour and are limited to twelve people, because the narrow platform beneath the bell cannot safely hold a larger group.",
        ],
    },
    Page {
        headline: "Pellingham tram line reaches the harbour",
        word: "pellingham",
        outlet: "Northmarch Herald",
        published: "2025-10-10T12:00:00+02:00",
        paragraphs: [
            "The first tram to run all the way from Pellingham station to the harbour carried the mayor and a brass band down the new tracks on Friday morning.",
            "The two kilometre extension took eighteen months to build and adds four stops, including one outside the hospital that patients had long asked for.",
            "Transport director Osric Faulding said trams would run every eight minutes at peak times and that the old harbour bus route would be withdrawn next month.",
            "Shopkeepers along the route, who complained about the dust during the works, said they hoped the trams would bring more visitors to the waterfront.",
        ],
    },
    Page {
        headline: "Dunmarrow ferry strike called off",
        word: "dunmarrow",
        outlet: "Northmarch Herald",
        published: "2025-10-11T09:20:00+02:00",
        paragraphs: [
            "Ferry crews serving Dunmarrow island called off a planned three day strike late on Thursday after the operator improved its offer on overtime pay.",
            "The union said its members would vote on the new terms next week, and that sailings would run normally in the meantime, including the night boat.",
            "Islanders had stocked up on fuel and animal feed ahead of the strike, and the island school had prepared lessons for pupils who live on the mainland.",
            "The operator said it regretted the worry caused and promised to publish a new timetable for the winter months by the end of the month.",
        ],
    },
    Page {
        headline: "Ostrevik library lends out telescopes",
        word: "ostrevik",
        outlet: "Vallenby Courier",
        published: "2025-10-12T14:30:00+02:00",
        paragraphs: [
            "The public library in Ostrevik has started lending small telescopes alongside its books, and all six were reserved within an hour of the announcement.",
            "Each telescope comes in a padded case with a star chart, a red torch and a notebook in which borrowers are asked to write down what they have seen.",
            "Librarian Maren Tolvik said the idea came from the local astronomy club, which donated the instruments and will run a viewing evening every new moon.",
            "Borrowers may keep a telescope for two weeks, and the library hopes to buy four more if the first season of lending goes well.",
        ],
    },
    Page {
        headline: "Halvercombe farmers share a new grain store",
        word: "halvercombe",
        outlet: "Vallenby Courier",
        published: "2025-10-13T08:15:00+02:00",
        paragraphs: [
            "Eleven farms around Halvercombe have opened a shared grain store on the edge of the village, ending years of hiring space in distant warehouses.",
            "The store holds enough wheat and barley for the whole harvest of the valley and has its own drier, which the farmers will run on a rota through the autumn.",
            "Farmer Tobias Wrenfield, who led the cooperative, said the savings on transport alone would pay back the loan within about seven years.",
            "The building was raised on the site of an old cattle market, and the cooperative has kept the market clock on the front wall as a reminder.",
        ],
    },
];

/// The article page for `PAGES[n - 1]`.
pub fn page_html(n: usize) -> Option<String> {
    let page = PAGES.get(n.checked_sub(1)?)?;
    let paragraphs: String = page.paragraphs.iter().map(|p| format!("    <p>{p}</p>\n")).collect();
    Some(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{h} - {o}</title>\n\
         <link rel=\"canonical\" href=\"/page/{n}.html\">\n<meta property=\"og:title\" content=\"{h}\">\n\
         <meta property=\"og:site_name\" content=\"{o}\">\n<meta property=\"article:published_time\" content=\"{d}\">\n\
         </head>\n<body>\n<header><a href=\"/\">{o}</a></header>\n<main>\n  <article>\n    <h1>{h}</h1>\n\
         <p class=\"byline\"><time datetime=\"{d}\">{day}</time></p>\n{paragraphs}  </article>\n</main>\n\
         <footer><p>Fictional sample news for ravenwire tests.</p></footer>\n</body>\n</html>\n",
        h = page.headline,
        o = page.outlet,
        d = page.published,
        day = &page.published[..10],
    ))
}

/// An RSS 2.0 feed whose items link the given `/page/N.html` pages on
/// `127.0.0.1:port`; `extra` is put inside `<channel>` (hub links).
pub fn rss_feed(port: u16, title: &str, pages: &[usize], extra: &str) -> String {
    let mut items = String::new();
    for &n in pages {
        let page = &PAGES[n - 1];
        let link = format!("http://127.0.0.1:{port}/page/{n}.html");
        items.push_str(&format!(
            "    <item>\n      <title>{}</title>\n      <link>{link}</link>\n      <guid isPermaLink=\"true\">{link}</guid>\n      \
             <description>{}</description>\n    </item>\n",
            page.headline, page.paragraphs[0]
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n  <channel>\n    \
         <title>{title}</title>\n    <link>http://127.0.0.1:{port}/</link>\n    \
         <description>Fictional sample news for ravenwire tests.</description>\n{extra}{items}  </channel>\n</rss>\n"
    )
}

/// A canned answer that [`HostileServer::put`] installs for a path.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Canned {
        Canned {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }
}

/// One request as the server saw it. Header names are lower case.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Recorded>>,
    routes: Mutex<HashMap<String, Canned>>,
}

/// The hostile server. Each connection gets its own thread and one answer
/// (`Connection: close`); it stops accepting when dropped.
pub struct HostileServer {
    pub port: u16,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HostileServer {
    pub fn start() -> HostileServer {
        // The bomb is compressed before the server listens: a client's
        // short fetch timeout must never run while it is being made (tests
        // on two threads share it, and a loaded machine makes it slow).
        bomb();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("a bound address").port();
        listener.set_nonblocking(true).expect("non-blocking listener");
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (accept_shared, accept_stop) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !accept_stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (shared, stop) = (accept_shared.clone(), accept_stop.clone());
                        std::thread::spawn(move || handle(stream, port, &shared, &stop));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        HostileServer {
            port,
            shared,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Serves `canned` at `path` (no query), ahead of the built-in routes.
    pub fn put(&self, path: &str, canned: Canned) {
        self.shared.routes.lock().unwrap().insert(path.to_string(), canned);
    }

    /// All requests so far, oldest first.
    pub fn all_requests(&self) -> Vec<Recorded> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// The requests for `path` (query ignored), oldest first.
    pub fn requests(&self, path: &str) -> Vec<Recorded> {
        self.all_requests().into_iter().filter(|r| r.path == path).collect()
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests(path).len()
    }

    pub fn total(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// One line per request (method, path, a few headers), for failure
    /// messages.
    pub fn log(&self) -> String {
        self.all_requests()
            .iter()
            .map(|r| {
                format!(
                    "{} {}{}{} [If-None-Match: {:?}, If-Modified-Since: {:?}, User-Agent: {:?}]\n",
                    r.method,
                    r.path,
                    if r.query.is_empty() { "" } else { "?" },
                    r.query,
                    r.header("if-none-match"),
                    r.header("if-modified-since"),
                    r.header("user-agent"),
                )
            })
            .collect()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn handle(stream: TcpStream, port: u16, shared: &Shared, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&stream) else {
        return;
    };
    shared.requests.lock().unwrap().push(request.clone());
    let canned = shared.routes.lock().unwrap().get(&request.path).cloned();
    let mut out = stream;
    if let Some(canned) = canned {
        respond(&mut out, &canned);
        return;
    }
    builtin(&mut out, &request, port, stop);
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target, String::new()),
    };
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header.trim().is_empty() => break,
            Ok(_) => {
                if let Some((name, value)) = header.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                }
            }
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(16 * 1024 * 1024);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        body.clear();
    }
    Some(Recorded {
        method,
        path,
        query,
        headers,
        body,
        at: Instant::now(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}

fn respond(out: &mut TcpStream, canned: &Canned) {
    let mut head = format!("HTTP/1.1 {} {}\r\n", canned.status, reason(canned.status));
    for (name, value) in &canned.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        canned.body.len()
    ));
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(&canned.body);
    let _ = out.flush();
}

fn status_only(status: u16, extra: &[(&str, &str)]) -> Canned {
    let mut canned = Canned::new(status, "text/plain", format!("{status} {}\n", reason(status)));
    canned
        .headers
        .extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    canned
}

fn builtin(out: &mut TcpStream, request: &Recorded, port: u16, stop: &AtomicBool) {
    let rss = "application/rss+xml; charset=utf-8";
    let path = request.path.as_str();
    let canned = match path {
        "/ok.xml" => {
            let etag_hit = request.header("if-none-match").is_some_and(|v| v.contains(OK_ETAG));
            let date_hit = request.header("if-none-match").is_none()
                && request.header("if-modified-since") == Some(OK_LAST_MODIFIED);
            let mut canned = if etag_hit || date_hit {
                Canned {
                    status: 304,
                    headers: Vec::new(),
                    body: Vec::new(),
                }
            } else {
                Canned::new(200, rss, rss_feed(port, "Fenwater Gazette", &[1, 2], ""))
            };
            canned.headers.push(("ETag".into(), OK_ETAG.into()));
            canned.headers.push(("Last-Modified".into(), OK_LAST_MODIFIED.into()));
            canned
        }
        "/slow.xml" => return slow(out, port, stop),
        "/endless.xml" => return endless(out, stop),
        "/500.xml" => status_only(500, &[]),
        "/404.xml" => status_only(404, &[]),
        "/410.xml" => status_only(410, &[]),
        "/429.xml" => status_only(429, &[("Retry-After", "3600")]),
        "/loop-a" => status_only(302, &[("Location", &format!("http://127.0.0.1:{port}/loop-b"))]),
        "/loop-b" => status_only(302, &[("Location", &format!("http://127.0.0.1:{port}/loop-a"))]),
        // Port 1 on loopback: nothing listens, so the hop fails with a
        // refused connection (the guard is lifted in these tests).
        "/to-private" => status_only(302, &[("Location", "http://127.0.0.1:1/feed.xml")]),
        "/bomb.xml" => {
            let mut canned = Canned::new(200, rss, bomb().to_vec());
            canned.headers.push(("Content-Encoding".into(), "gzip".into()));
            canned
        }
        "/charset.xml" => Canned::new(200, rss, latin1_feed(port)),
        "/malformed.xml" => Canned::new(
            200,
            rss,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>Broken Wire</title>\n\
             <item><title>Half a headline</titel><link>http://127.0.0.1/x</item>\n<item><title",
        ),
        "/html-as-feed.xml" => Canned::new(
            200,
            "application/rss+xml",
            "<!DOCTYPE html>\n<html><head><title>Welcome to Grisholm Radio</title></head>\n<body><h1>Grisholm Radio</h1>\n\
             <p>Our news pages moved. Nothing to see here, and no feed either.</p></body></html>\n",
        ),
        "/hub" => status_only(202, &[]),
        _ if path.starts_with("/late/") => return late(out, path, stop),
        _ => match path
            .strip_prefix("/page/")
            .and_then(|p| p.strip_suffix(".html"))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(page_html)
        {
            Some(html) => Canned::new(200, "text/html; charset=utf-8", html),
            None => status_only(404, &[]),
        },
    };
    respond(out, &canned);
}

/// `/page/N.html` after [`LATE_SECS`] of silence.
fn late(out: &mut TcpStream, path: &str, stop: &AtomicBool) {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(LATE_SECS) {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let html = path
        .strip_prefix("/late/")
        .and_then(|p| p.strip_suffix(".html"))
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(page_html);
    let canned = match html {
        Some(html) => Canned::new(200, "text/html; charset=utf-8", html),
        None => status_only(404, &[]),
    };
    respond(out, &canned);
}

/// Headers at once, then the body one small piece at a time over
/// [`SLOW_SECS`]: a total timeout cuts it off, a read-idle timeout does not.
fn slow(out: &mut TcpStream, port: u16, stop: &AtomicBool) {
    let body = rss_feed(port, "Sluggard Times", &[7], "").into_bytes();
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let steps = SLOW_SECS * 4;
    let piece = body.len().div_ceil(steps as usize + 1);
    let mut chunks = body.chunks(piece);
    for _ in 0..steps {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        if let Some(chunk) = chunks.next() {
            if out.write_all(chunk).and_then(|()| out.flush()).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    for chunk in chunks {
        let _ = out.write_all(chunk);
    }
}

/// A 200 without a length that never ends: items until the client hangs
/// up (or half a minute, or 1 GB, so a broken client cannot hang the test
/// run forever).
fn endless(out: &mut TcpStream, stop: &AtomicBool) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nConnection: close\r\n\r\n\
                <?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Bottomless Bulletin</title>\n";
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    let item = "<item><title>More and more</title><description>There is always more of this.</description></item>\n"
        .repeat(100);
    let started = Instant::now();
    let mut sent = 0usize;
    while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(30) && sent < 1 << 30 {
        if out.write_all(item.as_bytes()).is_err() {
            return;
        }
        sent += item.len();
    }
}

/// The gzip body of `/bomb.xml`, compressed once per test process.
pub fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let head = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Balloon Post</title>\n";
        gz.write_all(head.as_bytes()).unwrap();
        let spaces = vec![b' '; 1024 * 1024];
        for _ in 0..BOMB_BYTES / spaces.len() {
            gz.write_all(&spaces).unwrap();
        }
        gz.write_all(b"</channel></rss>\n").unwrap();
        gz.finish().unwrap()
    })
}

/// An RSS feed in ISO-8859-1 bytes while the header claims UTF-8 (and the
/// XML declaration names no encoding). Its items link pages 3 and 4.
fn latin1_feed(port: u16) -> Vec<u8> {
    let text = format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Le Courrier du Littoral</title>\n\
         <link>http://127.0.0.1:{port}/</link><description>Nouvelles fictives pour les tests.</description>\n\
         <item><title>Pêcheurs de Corvimont : une prise record à l'aube</title><link>http://127.0.0.1:{port}/page/3.html</link>\
         <description>Les sardines sont arrivées près de la côte, déjà vendues à moitié prix.</description></item>\n\
         <item><title>Salvetto : la tour de l'horloge rouvre, café offert</title><link>http://127.0.0.1:{port}/page/4.html</link>\
         <description>Visites guidées à partir de samedi, douze personnes à la fois.</description></item>\n\
         </channel></rss>\n"
    );
    // Every character above is in Latin-1.
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// `ravenwire sources --json`, parsed; panics with the command's output if
/// it fails or is not a JSON array.
pub fn sources_json(data: &Path) -> Vec<Value> {
    let out = ravenwire(data, &["sources", "--json"]);
    assert!(
        out.status.success(),
        "`sources --json` failed ({}): stdout: {} stderr: {}",
        out.status,
        stdout(&out),
        stderr(&out)
    );
    match serde_json::from_str::<Value>(&stdout(&out)) {
        Ok(Value::Array(list)) => list,
        other => panic!(
            "`sources --json` did not print a JSON array ({other:?}): {}",
            stdout(&out)
        ),
    }
}

/// The entry of `sources` whose `url` is `url`; panics listing them all.
pub fn source<'a>(sources: &'a [Value], url: &str) -> &'a Value {
    sources
        .iter()
        .find(|s| s["url"] == url)
        .unwrap_or_else(|| panic!("no source {url} in `sources --json`: {sources:#?}"))
}

/// Number of hits of `ravenwire search --json QUERY`.
pub fn hits(data: &Path, query: &str) -> usize {
    let out = ravenwire(data, &["search", "--json", "--limit", "100", query]);
    assert!(out.status.success(), "search {query:?} failed: {}", stderr(&out));
    stdout(&out).lines().filter(|l| !l.trim().is_empty()).count()
}

/// Polls `ready` every 100 ms for at most `within`; true if it came to hold.
pub fn eventually(within: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Percent-encodes `text` for a query string or form body.
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes an `application/x-www-form-urlencoded` body (or a query).
pub fn form_decode(body: &str) -> HashMap<String, String> {
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A raw GET for checking the server itself: the header block (lower
/// case) and at most `limit` bytes of body, read for at most `within`.
pub fn raw_get(url: &str, headers: &[(&str, &str)], limit: usize, within: Duration) -> (String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("plain http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).expect("the server accepts connections");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let deadline = Instant::now() + within;
    let mut raw = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    let mut head_len = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
        if head_len.is_none() {
            head_len = raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4);
        }
        if head_len.is_some_and(|h| raw.len() - h >= limit) {
            break;
        }
    }
    let head_len = head_len.expect("a header block");
    let head = String::from_utf8_lossy(&raw[..head_len]).to_ascii_lowercase();
    let body = raw[head_len..].iter().take(limit).copied().collect();
    (head, body)
}
