#!/usr/bin/env python3
"""Search at scale: tantivy (ravenwire's index, through `serve`) against
PostgreSQL full-text search, on the same articles and the same queries.

    python3 bench/search_compare.py --data DIR [--pg URL] [--clients 20]

DIR is a ravenwire data folder in SQLite mode (for instance the one
`bench/scale.py --keep` leaves). The script copies its articles (id, title,
text, language, outlet, publication time) into a PostgreSQL table with a
`tsvector` column and a GIN index, then runs one query set against both
engines with N concurrent clients and reports p50 and p99 per query class:

- single words (picked from the data: frequent, not stop words),
- two-word phrases taken from headlines,
- filtered queries: a word, one language, a 60-day window, newest first.

PostgreSQL is asked directly over its wire protocol (psycopg), tantivy
through ravenwire's HTTP API, which also looks up each hit's provenance in
the store: the comparison favours PostgreSQL, on purpose.

Without --pg it starts a private PostgreSQL (initdb in a temporary folder,
a Unix socket there), as the store tests do. Needs `psycopg` (PyPI).
"""

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

try:
    import psycopg
except ImportError:  # pragma: no cover
    sys.exit("search_compare.py needs psycopg: pip install 'psycopg[binary]'")

STOP = set(
    "the a an and or of to in on for with at by from as is was were be been are it its this that "
    "he she they we you his her their our not but have has had will would said says after before "
    "over into about more than also new who what when where which while there here all one two "
    "der die das und den dem des ein eine ist im zu mit von auf für sich nicht le la les et des un une "
    "du en est pour que qui dans sur el los las y que por con para una".split()
)


def pg_binaries():
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / "initdb").exists():
            return d
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivatePg:
    """A throwaway PostgreSQL server on a Unix socket in a temporary folder."""

    def __init__(self):
        bins = pg_binaries()
        if bins is None:
            sys.exit("no PostgreSQL found: install postgresql or pass --pg URL")
        self.dir = tempfile.mkdtemp(prefix="rw-pg-")
        self.as_user = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        subprocess.run(self.as_user + [str(bins / "initdb"), "-D", data, "-U", "postgres", "-A", "trust"],
                       check=True, stdout=subprocess.DEVNULL)
        self.ctl = str(bins / "pg_ctl")
        self.data = data
        opts = f"-k {self.dir} -c listen_addresses='' -c shared_buffers=512MB -c max_connections=100"
        subprocess.run(self.as_user + [self.ctl, "-D", data, "-o", opts, "-w", "-l",
                                       os.path.join(self.dir, "log"), "start"], check=True, stdout=subprocess.DEVNULL)
        self.url = f"postgresql://postgres@localhost/postgres?host={self.dir}"

    def stop(self):
        subprocess.run(self.as_user + [self.ctl, "-D", self.data, "-m", "fast", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def load_pg(url, sqlite_path):
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS fts")
        conn.execute(
            "CREATE TABLE fts (id BIGINT PRIMARY KEY, title TEXT, text TEXT, language TEXT, "
            "site TEXT, published BIGINT)"
        )
        started = time.time()
        rows = 0
        with conn.cursor().copy("COPY fts (id, title, text, language, site, published) FROM STDIN") as copy:
            for row in src.execute(
                "SELECT id, coalesce(title, ''), text, language, site_name, published_unix FROM articles"
            ):
                copy.write_row(row)
                rows += 1
        copied = time.time() - started
        started = time.time()
        conn.execute(
            "ALTER TABLE fts ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple', title || ' ' || text)) STORED"
        )
        conn.execute("CREATE INDEX fts_tsv ON fts USING GIN (tsv)")
        conn.execute("CREATE INDEX fts_lang_pub ON fts (language, published)")
        conn.execute("ANALYZE fts")
        indexed = time.time() - started
        size = conn.execute("SELECT pg_total_relation_size('fts')").fetchone()[0]
    return {"rows": rows, "copy_s": round(copied, 1), "index_s": round(indexed, 1), "bytes": size}


def pick_queries(sqlite_path, seed=7):
    src = sqlite3.connect(sqlite_path)
    titles = [t for (t,) in src.execute("SELECT title FROM articles WHERE title IS NOT NULL LIMIT 20000")]
    words = Counter()
    pairs = []
    for t in titles:
        toks = [w.lower() for w in re.findall(r"[^\W\d_]{4,}", t)]
        words.update(w for w in toks if w not in STOP)
        for a, b in zip(toks, toks[1:]):
            if a not in STOP and b not in STOP:
                pairs.append(f"{a} {b}")
    rng = random.Random(seed)
    common = [w for w, _ in words.most_common(400)]
    singles = rng.sample(common, min(30, len(common)))
    phrases = rng.sample(pairs, min(30, len(pairs)))
    lo, hi = src.execute("SELECT min(published_unix), max(published_unix) FROM articles").fetchone()
    lo, hi = lo or 0, hi or 0
    filtered = []
    for w in rng.sample(common, min(30, len(common))):
        start = rng.randint(lo, max(lo, hi - 60 * 86400))
        filtered.append((w, "en", start, start + 60 * 86400))
    return singles, phrases, filtered


def pg_runner(url, clients):
    local = threading.local()

    def conn():
        if not hasattr(local, "conn"):
            local.conn = psycopg.connect(url, autocommit=True)
        return local.conn

    def single(q):
        conn().execute(
            "SELECT id, title FROM fts, plainto_tsquery('simple', %s) q WHERE tsv @@ q "
            "ORDER BY ts_rank(tsv, q) DESC LIMIT 20", (q,)).fetchall()

    def phrase(q):
        conn().execute(
            "SELECT id, title FROM fts, phraseto_tsquery('simple', %s) q WHERE tsv @@ q "
            "ORDER BY ts_rank(tsv, q) DESC LIMIT 20", (q,)).fetchall()

    def filtered(f):
        w, lang, start, end = f
        conn().execute(
            "SELECT id, title FROM fts WHERE tsv @@ plainto_tsquery('simple', %s) AND language = %s "
            "AND published BETWEEN %s AND %s ORDER BY published DESC LIMIT 20", (w, lang, start, end)).fetchall()

    return {"single": single, "phrase": phrase, "filtered": filtered}


def http_runner(base):
    def get(params):
        with urllib.request.urlopen(f"{base}/api/v1/search?{urllib.parse.urlencode(params)}", timeout=30) as r:
            r.read()

    def day(secs):
        return time.strftime("%Y-%m-%d", time.gmtime(secs))

    return {
        "single": lambda q: get({"q": q, "limit": 20}),
        "phrase": lambda q: get({"q": f'"{q}"', "limit": 20}),
        "filtered": lambda f: get({"q": f[0], "language": f[1], "from": day(f[2]), "to": day(f[3]),
                                   "sort": "date", "limit": 20}),
    }


def measure(fn, queries, clients, rounds):
    work = [q for _ in range(rounds) for q in queries]
    random.Random(3).shuffle(work)
    lat = []
    lock = threading.Lock()
    it = iter(work)

    def run():
        mine = []
        while True:
            with lock:
                q = next(it, None)
            if q is None:
                break
            t = time.perf_counter()
            fn(q)
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    lat.sort()
    return {
        "n": len(lat),
        "p50_ms": round(statistics.median(lat), 2),
        "p99_ms": round(lat[min(len(lat) - 1, int(len(lat) * 0.99))], 2),
        "qps": round(len(lat) / wall, 1),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--pg", help="a PostgreSQL URL (default: start a private server)")
    ap.add_argument("--bin", default=str(ROOT / "target/release/ravenwire"))
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/search-compare.json")
    args = ap.parse_args()
    db = args.data / "ravenwire.sqlite"
    if not db.exists():
        sys.exit(f"{db}: no SQLite store there")
    private = None if args.pg else PrivatePg()
    url = args.pg or private.url
    serve = None
    try:
        loaded = load_pg(url, db)
        print(f"PostgreSQL: {loaded['rows']} articles copied in {loaded['copy_s']} s, "
              f"tsvector + GIN built in {loaded['index_s']} s, {loaded['bytes'] / 2**20:.0f} MiB")
        singles, phrases, filtered = pick_queries(db)
        serve = subprocess.Popen([args.bin, "--data", str(args.data), "serve", "--no-gather",
                                  "--addr", "127.0.0.1:0", "--max-connections", "256"],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        base = None
        for line in serve.stdout:
            m = re.search(r"(http://127\.0\.0\.1:\d+)", line)
            if m:
                base = m.group(1)
                break
        if base is None:
            sys.exit("serve did not start")
        index_bytes = sum(f.stat().st_size for f in (args.data / "index").rglob("*") if f.is_file())
        results = {"articles": loaded["rows"], "clients": args.clients, "pg": loaded,
                   "tantivy_index_bytes": index_bytes, "engines": {}}
        for engine, runner in (("tantivy (HTTP API)", http_runner(base)), ("postgres FTS (SQL)", pg_runner(url, args.clients))):
            results["engines"][engine] = {}
            for cls, queries in (("single", singles), ("phrase", phrases), ("filtered", filtered)):
                runner[cls](queries[0])  # warm
                results["engines"][engine][cls] = measure(runner[cls], queries, args.clients, args.rounds)
        print(f"{'engine':<22} {'class':<9} {'p50 ms':>8} {'p99 ms':>8} {'q/s':>7}")
        for engine, classes in results["engines"].items():
            for cls, r in classes.items():
                print(f"{engine:<22} {cls:<9} {r['p50_ms']:>8} {r['p99_ms']:>8} {r['qps']:>7}")
        print(f"index size: tantivy {index_bytes / 2**20:.0f} MiB, PostgreSQL table + GIN {loaded['bytes'] / 2**20:.0f} MiB")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))
    finally:
        if serve:
            serve.terminate()
        if private:
            private.stop()


if __name__ == "__main__":
    main()
