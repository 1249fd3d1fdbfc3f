#!/usr/bin/env python3
"""Gathering at scale: `ravenwire fetch` over 1,000 feeds on 20 hosts.

Starts a threaded HTTP server on 20 loopback addresses (127.0.0.2 to
127.0.0.21, one port), serving generated RSS feeds (50 per host by default),
each with 10 entries whose links point at article pages on the same host
(invented text, different for every article, so nothing dedupes). Feeds and
pages carry ETags and answer 304 to a matching If-None-Match.

It writes an OPML of the feeds, runs `ravenwire --data TMP opml import FILE`,
then `/usr/bin/time -v ravenwire --data TMP fetch` with the release binary
(RAVENWIRE_ALLOW_PRIVATE_NETWORKS=1; the default per-host delay unless
--host-delay is given), and then `fetch --force` to show conditional GET.
The server logs every request's time and host; the script prints one JSON
object: feeds, articles, wall seconds, peak RSS, requests, and per host the
requests, the most in any one-second window and the average rate.

Usage: python3 bench/feeds.py [--bin target/release/ravenwire] [--feeds 1000]
       [--hosts 20] [--entries 10] [--host-delay SECS] [--keep DIR]
"""

import argparse
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Word lists for the invented articles. Places are made of two halves so
# that there are many of them; the text is random sentences of common words.
PLACE_HEADS = [
    "Alder", "Bram", "Cinder", "Dapple", "Elm", "Fallow", "Gorse", "Hazel", "Ivy", "Juniper",
    "Kestrel", "Larch", "Moss", "Nettle", "Oak", "Pebble", "Quill", "Rowan", "Sedge", "Thorn",
    "Umber", "Vetch", "Willow", "Yarrow", "Zephyr",
]
PLACE_TAILS = [
    "bury", "combe", "dale", "field", "ford", "gate", "holm", "hurst", "ley", "marsh",
    "mouth", "stead", "thorpe", "ton", "wick", "worth",
]
SUBJECTS = [
    "council", "harbour board", "school", "library", "hospital trust", "football club", "museum",
    "farmers' cooperative", "fire brigade", "choir", "ferry company", "bakery", "market traders",
    "rail operator", "water company", "youth theatre", "rowing club", "observatory", "orchard", "tram depot",
]
ACTIONS = [
    "approves", "opens", "rejects", "delays", "celebrates", "rebuilds", "closes", "expands",
    "reviews", "funds", "postpones", "launches", "restores", "welcomes", "questions",
]
OBJECTS = [
    "new bridge", "winter timetable", "flood defences", "summer festival", "budget plan",
    "bicycle lanes", "night market", "solar roof", "reading room", "sea wall", "bus shelter",
    "community garden", "clock tower", "swimming pool", "repair workshop", "school canteen",
]
WORDS = (
    "the a of to and in on for with at from by after before during while when because although "
    "residents officials visitors workers families children neighbours volunteers engineers "
    "said says told explained added warned promised agreed expected hoped planned asked "
    "week month year morning evening spring summer autumn winter weekend holiday "
    "river road station square market harbour valley hill coast village town district "
    "new old small large local regional early late first last next second final "
    "plan project meeting vote report budget repair delay cost decision proposal survey "
    "many several few most some every both neither each other more less much "
    "quickly slowly finally again already still soon later together nearly almost"
).split()


def place(rng):
    return rng.choice(PLACE_HEADS) + rng.choice(PLACE_TAILS)


@functools.lru_cache(maxsize=4096)
def article(feed, entry):
    """Headline, paragraphs and date of entry `entry` of feed `feed`."""
    rng = random.Random(feed * 1009 + entry)
    town = place(rng)
    title = f"{town} {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)} (report {feed}-{entry})"
    paragraphs = []
    for _ in range(4):
        sentences = []
        for _ in range(3):
            words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
            words.insert(rng.randint(0, len(words)), town)
            sentence = " ".join(words)
            sentences.append(sentence[0].upper() + sentence[1:] + ".")
        paragraphs.append(" ".join(sentences))
    day = 1 + (feed + entry) % 28
    published = f"2025-09-{day:02d}T{8 + entry % 10:02d}:{feed % 60:02d}:00+00:00"
    return title, paragraphs, published


def page_html(feed, entry):
    title, paragraphs, published = article(feed, entry)
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>\n'
        f'<meta property="og:title" content="{escape(title)}">\n'
        f'<meta property="article:published_time" content="{published}">\n'
        f'<meta property="og:site_name" content="Bench Wire {feed}"></head>\n'
        f"<body><header><a href=\"/\">Bench Wire {feed}</a></header>\n<main><article><h1>{escape(title)}</h1>\n"
        f"{body}\n</article></main><footer>Invented text for the ravenwire feed benchmark.</footer></body></html>\n"
    )


def feed_xml(feed, host, port, entries):
    items = []
    for entry in range(entries):
        title, paragraphs, published = article(feed, entry)
        link = f"http://{host}:{port}/a/{feed}/{entry}.html"
        stamp = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.strptime(published[:19], "%Y-%m-%dT%H:%M:%S"))
        items.append(
            f"<item><title>{escape(title)}</title><link>{link}</link><guid isPermaLink=\"true\">{link}</guid>"
            f"<pubDate>{stamp}</pubDate><description>{escape(paragraphs[0][:160])}</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Bench Wire {feed}</title><link>http://{host}:{port}/</link>"
        "<description>Invented feed for the ravenwire benchmark.</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


class Log:
    """Every request: (monotonic time, host, path, status)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows = []

    def add(self, host, path, status):
        with self.lock:
            self.rows.append((time.monotonic(), host, path, status))

    def between(self, start, end):
        with self.lock:
            return [r for r in self.rows if start <= r[0] <= end]


def make_handler(log, entries):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def send(self, status, content_type, body, etag=None):
            host = self.server.server_address[0]
            log.add(host, self.path, status)
            self.send_response(status)
            if etag:
                self.send_header("ETag", etag)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            else:
                self.send_header("Content-Length", "0")
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def do_GET(self):
            host, port = self.server.server_address[:2]
            path = self.path.split("?", 1)[0]
            if path == "/robots.txt":
                return self.send(200, "text/plain", b"User-agent: *\nAllow: /\n")
            m = re.fullmatch(r"/feed/(\d+)\.xml", path)
            if m:
                feed = int(m.group(1))
                etag = f'"feed-{feed}-v1"'
                if etag in (self.headers.get("If-None-Match") or ""):
                    return self.send(304, "", b"", etag)
                body = feed_xml(feed, host, port, entries).encode()
                return self.send(200, "application/rss+xml; charset=utf-8", body, etag)
            m = re.fullmatch(r"/a/(\d+)/(\d+)\.html", path)
            if m and int(m.group(2)) < entries:
                feed, entry = int(m.group(1)), int(m.group(2))
                etag = f'"page-{feed}-{entry}"'
                if etag in (self.headers.get("If-None-Match") or ""):
                    return self.send(304, "", b"", etag)
                return self.send(200, "text/html; charset=utf-8", page_html(feed, entry).encode(), etag)
            return self.send(404, "text/plain", b"not found\n")

    return Handler


def start_servers(hosts, log, entries):
    """One ThreadingHTTPServer per loopback address, all on one port."""
    for _ in range(20):
        servers = []
        try:
            first = ThreadingHTTPServer((hosts[0], 0), make_handler(log, entries))
            servers.append(first)
            port = first.server_address[1]
            for host in hosts[1:]:
                servers.append(ThreadingHTTPServer((host, port), make_handler(log, entries)))
        except OSError:
            for s in servers:
                s.server_close()
            continue
        for s in servers:
            s.daemon_threads = True
            threading.Thread(target=s.serve_forever, daemon=True).start()
        return servers, port
    raise SystemExit("error: could not bind one port on all loopback addresses")


def write_opml(path, urls):
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', "<head><title>ravenwire feed benchmark</title></head>", "<body>"]
    for i, url in enumerate(urls):
        lines.append(f'<outline type="rss" text="Bench Wire {i}" title="Bench Wire {i}" xmlUrl="{escape(url)}"/>')
    lines += ["</body>", "</opml>", ""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


def per_host(rows, wall):
    """Requests, the most in any one-second window, and the average rate per host."""
    hosts = {}
    for t, host, _, _ in rows:
        hosts.setdefault(host, []).append(t)
    out = {}
    for host, times in sorted(hosts.items()):
        times.sort()
        best, left = 0, 0
        for right in range(len(times)):
            while times[right] - times[left] >= 1.0:
                left += 1
            best = max(best, right - left + 1)
        gaps = [b - a for a, b in zip(times, times[1:])]
        out[host] = {
            "requests": len(times),
            "max_per_1s_window": best,
            "min_gap_s": round(min(gaps), 3) if gaps else None,
            "avg_per_s": round(len(times) / wall, 3) if wall > 0 else None,
        }
    return out


def per_host_summary(hosts):
    """The whole table in four numbers: how many hosts, the busiest
    one-second window anywhere, the shortest gap between two requests to one
    host (as the server saw them arrive), and the mean rate per host."""
    gaps = [h["min_gap_s"] for h in hosts.values() if h["min_gap_s"] is not None]
    rates = [h["avg_per_s"] for h in hosts.values() if h["avg_per_s"] is not None]
    return {
        "hosts": len(hosts),
        "max_per_1s_window": max((h["max_per_1s_window"] for h in hosts.values()), default=0),
        "min_gap_s": min(gaps) if gaps else None,
        "mean_per_s": round(sum(rates) / len(rates), 3) if rates else None,
    }


def run_timed(cmd, env, time_file, timeout):
    """Runs `cmd` under /usr/bin/time -v (when present); returns the
    completed process, its wall time and its peak RSS in MB."""
    timed = ["/usr/bin/time", "-v", "-o", time_file] + cmd if os.path.exists("/usr/bin/time") else cmd
    start = time.perf_counter()
    proc = subprocess.run(timed, env=env, capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - start
    rss = None
    if os.path.exists(time_file):
        with open(time_file) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
            if m:
                rss = round(int(m.group(1)) / 1024, 1)
    return proc, wall, rss


def summarise_fetch(stderr):
    counts = {"imported": 0, "from_feed": 0, "known": 0, "failed_entries": 0, "not_modified": 0, "feed_errors": 0, "waiting": 0}
    for line in stderr.splitlines():
        m = re.search(r": imported (\d+), from feed content (\d+), already known (\d+), failed (\d+)$", line)
        if m:
            counts["imported"] += int(m.group(1))
            counts["from_feed"] += int(m.group(2))
            counts["known"] += int(m.group(3))
            counts["failed_entries"] += int(m.group(4))
        elif line.endswith(": not modified"):
            counts["not_modified"] += 1
        elif ": cannot read the feed:" in line:
            counts["feed_errors"] += 1
        elif ": waiting until " in line:
            counts["waiting"] += 1
    return counts


def fail(message, proc=None):
    result = {"error": message}
    if proc is not None:
        result["exit"] = proc.returncode
        result["stderr_tail"] = proc.stderr[-2000:]
    print(json.dumps(result, indent=2))
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/ravenwire"))
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--hosts", type=int, default=20)
    ap.add_argument("--entries", type=int, default=10)
    ap.add_argument("--host-delay", help="RAVENWIRE_HOST_DELAY in seconds (default: ravenwire's own)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed for each fetch run")
    ap.add_argument("--keep", help="work in this folder and keep it (default: a temporary one)")
    args = ap.parse_args()
    if not 1 <= args.hosts <= 250:
        ap.error("--hosts must be between 1 and 250")
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        fail(f"{binary}: no such executable (build it with `cargo build --release`)")

    work = args.keep or tempfile.mkdtemp(prefix="ravenwire-feeds-")
    os.makedirs(work, exist_ok=True)
    data = os.path.join(work, "data")
    try:
        hosts = [f"127.0.0.{2 + i}" for i in range(args.hosts)]
        log = Log()
        servers, port = start_servers(hosts, log, args.entries)
        urls = [f"http://{hosts[i % len(hosts)]}:{port}/feed/{i}.xml" for i in range(args.feeds)]
        opml = os.path.join(work, "feeds.opml")
        write_opml(opml, urls)

        # Self-check: every host answers before ravenwire is timed.
        for url in urls[: len(hosts)]:
            with urllib.request.urlopen(url, timeout=10) as reply:
                if reply.status != 200 or b"<item>" not in reply.read():
                    fail(f"self-check failed on {url}")
        log.rows.clear()

        env = dict(os.environ)
        env["RAVENWIRE_ALLOW_PRIVATE_NETWORKS"] = "1"
        env.pop("RAVENWIRE_DATA", None)
        env.pop("RAVENWIRE_HOST_DELAY", None)
        if args.host_delay is not None:
            env["RAVENWIRE_HOST_DELAY"] = args.host_delay

        proc = subprocess.run([binary, "--data", data, "opml", "import", opml], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            fail(f"`ravenwire opml import {opml}` failed", proc)
        imported_line = proc.stdout.strip().splitlines()[-1:] or [""]

        result = {
            "binary": binary,
            "feeds": args.feeds,
            "hosts": len(hosts),
            "entries_per_feed": args.entries,
            "host_delay": args.host_delay or "default",
            "opml_import": imported_line[0],
        }
        for run, extra in (("fetch", []), ("fetch_force", ["--force"])):
            start = time.monotonic()
            try:
                proc, wall, rss = run_timed(
                    [binary, "--data", data, "fetch"] + extra, env, os.path.join(work, f"time-{run}.txt"), args.timeout
                )
            except subprocess.TimeoutExpired:
                fail(f"`ravenwire fetch {' '.join(extra)}` ran over {args.timeout} s")
            rows = log.between(start, time.monotonic())
            if proc.returncode not in (0, 2):
                fail(f"`ravenwire fetch {' '.join(extra)}` failed", proc)
            counts = summarise_fetch(proc.stderr)
            result[run] = {
                "exit": proc.returncode,
                "wall_s": round(wall, 2),
                "peak_rss_mb": rss,
                "articles": counts["imported"] + counts["from_feed"],
                "lines": counts,
                "requests": len(rows),
                "responses_304": sum(1 for r in rows if r[3] == 304),
                "feed_requests": sum(1 for r in rows if r[2].startswith("/feed/")),
                "page_requests": sum(1 for r in rows if r[2].startswith("/a/")),
                "robots_requests": sum(1 for r in rows if r[2] == "/robots.txt"),
                "per_host_summary": per_host_summary(per_host(rows, wall)),
                "per_host": per_host(rows, wall),
            }
        result["articles"] = result["fetch"]["articles"]
        result["wall_s"] = result["fetch"]["wall_s"]
        result["peak_rss_mb"] = result["fetch"]["peak_rss_mb"]
        result["requests"] = result["fetch"]["requests"]
        print(json.dumps(result, indent=2))
        for s in servers:
            s.shutdown()
            s.server_close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
