#!/usr/bin/env python3
"""Scale benchmark: N synthetic pages through `ravenwire import`, then search
and front-page latency from `ravenwire serve` under 20 concurrent clients.

Steps:
1. builds the release binary (skip with --no-build);
2. generates N pages with bench/scale_gen.py (WARC files under --work, a
   temporary folder by default; not timed as part of the import);
3. imports them all in one `ravenwire import --timings EVERY` run into a fresh
   data folder (SQLite), and reports articles/s end to end (wall clock of the
   import, extraction included), the importer's CPU time and peak RSS (from
   wait4), the size of the database (with its WAL) and of the search index,
   and the time per article of each pipeline stage in windows of EVERY
   articles: the story engine's cost per article "at 10k" is its time over
   the window that ends at 10,000 articles, and so on;
4. starts `ravenwire serve --no-gather` on 127.0.0.1 and times, with --clients
   keep-alive connections (crates/web/examples/load.rs, one thread of Rust;
   --client python for the earlier Python threads), --requests requests of
   each kind: one word, a phrase, a word with a filter (outlet, language or
   date range) through /api/v1/search, and the front page /. Words and phrases
   are drawn from the dev-set sentences the pages were made of, at various
   frequencies.

Writes bench/out/scale-N.json and prints a table.

Usage: python3 bench/scale.py [--n 100000] [--no-build] [--seed 1] [--every 5000]
                              [--clients 20] [--requests 1000] [--work DIR] [--keep]
A smoke run: python3 bench/scale.py --n 200 --requests 40
"""

import argparse
import collections
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import scale_gen  # noqa: E402

MARKS = (10_000, 30_000, 100_000, 300_000, 1_000_000)
STOPWORDS = set("""a an and are as at be but by for from had has have he her his i in is it its
of on or our she that the their them they this to was we were what when which who will with
would you not said been more also than there after about into over""".split())


def build():
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "ravenwire"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "ravenwire-web", "--example", "load"],
                   cwd=ROOT, check=True)


def target_dir():
    return os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def binary():
    return os.path.join(target_dir(), "release", "ravenwire")


def load_generator():
    path = os.path.join(target_dir(), "release", "examples", "load")
    if not os.path.exists(path):
        sys.exit(f"{path} not found: build it with "
                 "`cargo build --release -p ravenwire-web --example load`, or pass --client python")
    return path


def generate(args, pages):
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, os.path.join(HERE, "scale_gen.py"), pages, "--n", str(args.n),
         "--seed", str(args.seed), "--bench", args.bench],
        check=True, capture_output=True, text=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    summary["seconds"] = round(time.perf_counter() - start, 1)
    return summary


def run_import(args, exe, data, pages):
    """One import run; returns wall seconds, rusage and the timings lines."""
    command = [exe, "--data", data, "import", f"--timings={args.every}", pages]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    timings, other = [], []

    def read():
        for line in child.stderr:
            if line.startswith("timings "):
                timings.append(json.loads(line[len("timings "):]))
                if not args.quiet:
                    t = timings[-1]
                    print(f"  {t['articles']:>9,} articles  {time.perf_counter() - start:8.1f} s",
                          file=sys.stderr)
            else:
                other.append(line.rstrip("\n"))

    reader = threading.Thread(target=read)
    reader.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    reader.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"import failed ({child.returncode}):\n" + "\n".join(other[-20:]))
    return wall, usage, timings, other


def windows(timings):
    """Per-article seconds of each stage in each window between two timings lines."""
    out, before = [], None
    for t in timings:
        if before is not None and t["articles"] == before["articles"]:
            continue  # the closing line repeats the last count; its snapshot is a run cost
        base = before or {k: 0 for k in t}
        n = t["articles"] - base["articles"]
        if n > 0:
            row = {"from": base["articles"], "to": t["articles"]}
            for key in t:
                if key.endswith("_s"):
                    row[key[:-2] + "_us"] = round((t[key] - base[key]) / n * 1e6, 1)
            row["story_us"] = round(row["warm_us"] + row["engine_us"] + row["placement_us"], 1)
            out.append(row)
        before = t
    return out


def size_of(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(folder, name))
    return total


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, child, seconds=300):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if child.poll() is not None:
            sys.exit(f"serve exited with {child.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("serve did not answer /healthz in time")


def query_words(args):
    """Words at spread frequencies and two-word phrases, from the sentences the
    pages were made of."""
    pools = scale_gen.load_topics(args.bench)
    counts, bigrams = collections.Counter(), collections.Counter()
    for pool in pools:
        for sentence in pool:
            words = [w.lower() for w in re.findall(r"[A-Za-z]+", sentence)]
            counts.update(w for w in words if len(w) > 3 and w not in STOPWORDS)
            bigrams.update(f"{a} {b}" for a, b in zip(words, words[1:])
                           if len(a) > 3 and len(b) > 3 and a not in STOPWORDS and b not in STOPWORDS)
    ranked = [w for w, _ in counts.most_common()]
    # Common, middling and rare words alike, twenty of each band.
    words = []
    for lo, hi in ((0, 200), (200, 2000), (2000, 8000)):
        band = ranked[lo:hi]
        words += band[:: max(1, len(band) // 20)][:20]
    phrases = [f'"{p}"' for p, _ in bigrams.most_common(400)[::10]]
    return words, phrases


def outlet_names(args):
    return scale_gen.Outlets(args.seed, 300).names[:20]


def load(port, paths, clients, client="rust"):
    """Sends every path once, from `clients` keep-alive connections; returns
    the latencies in ms, the non-200 answers and the seconds it took.

    The default client is crates/web/examples/load.rs, one thread of Rust.
    `client="python"` is the earlier client, a Python thread a connection:
    the interpreter lock queues replies before they are timed, which added
    15 to 20 ms to the 99th percentile of a one-millisecond reply."""
    if client == "rust":
        done = subprocess.run([load_generator(), "--port", str(port), "--clients", str(clients)],
                              input="\n".join(paths), capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the load generator failed: {done.stderr.strip()}")
        out = json.loads(done.stdout)
        return out["latencies_ms"], [tuple(e) for e in out["errors"]], out["seconds"]
    queue = list(reversed(paths))
    lock = threading.Lock()
    latencies, errors = [], []

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                reply = conn.getresponse()
                reply.read()
                status = reply.status
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = str(e)
            ms = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(ms)
                if status != 200:
                    errors.append((path, status))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return round(ordered[k], 2)


def latency_bench(args, exe, data, first_day, last_day):
    port = free_port()
    serve = subprocess.Popen([exe, "--data", data, "serve", "--addr", f"127.0.0.1:{port}", "--no-gather"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, serve)
        words, phrases = query_words(args)
        outlets = outlet_names(args)
        n = args.requests

        def search(q, **filters):
            return "/api/v1/search?" + urllib.parse.urlencode({"q": q, **filters})

        kinds = {
            "word": [search(words[i % len(words)]) for i in range(n)],
            "phrase": [search(phrases[i % len(phrases)]) for i in range(n)],
            "filtered": [],
            "front_page": ["/"] * n,
        }
        for i in range(n):
            word = words[i % len(words)]
            choice = i % 3
            if choice == 0:
                kinds["filtered"].append(search(word, source=outlets[i % len(outlets)]))
            elif choice == 1:
                kinds["filtered"].append(search(word, language="en"))
            else:
                kinds["filtered"].append(search(word, **{"from": first_day, "to": last_day}))
        # Warm the caches a little, as a server that has been up would be.
        load(port, [p for k in kinds.values() for p in k[: max(1, n // 20)]], args.clients, args.client)
        results = {"client": args.client}
        for kind, paths in kinds.items():
            latencies, errors, seconds = load(port, paths, args.clients, args.client)
            results[kind] = {
                "requests": len(latencies),
                "errors": len(errors),
                "first_error": errors[0] if errors else None,
                "p50_ms": percentile(latencies, 50),
                "p99_ms": percentile(latencies, 99),
                "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
                "per_s": round(len(latencies) / seconds, 1),
            }
        hits = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        hits.request("GET", search(words[0], limit="1"))
        results["sample_query"] = {"q": words[0], "answer": json.loads(hits.getresponse().read())["hits"][:1]}
        return results
    finally:
        serve.terminate()
        serve.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-build", action="store_true", help="use target/release/ravenwire as it is")
    parser.add_argument("--every", type=int, default=0,
                        help="timings window in articles (default 5,000, or n/10 below 50,000)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--client", choices=("rust", "python"), default="rust",
                        help="the load generator: crates/web/examples/load.rs (default), or the earlier Python threads")
    parser.add_argument("--requests", type=int, default=1000, help="requests of each kind")
    parser.add_argument("--work", help="folder for pages and data (default: a new temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--bench", default=scale_gen.DEFAULT_BENCH)
    parser.add_argument("--out", default=None, help="JSON file (default bench/out/scale-N.json)")
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--latency-only", metavar="DATA",
                        help="only time queries against this data folder (made by an earlier run with --keep or "
                             "--work; its pages' done.json gives the dates), and print the latencies")
    args = parser.parse_args()
    if args.latency_only:
        latency_only(args)
        return
    if args.every <= 0:
        args.every = 5000 if args.n >= 50_000 else max(10, args.n // 10)

    if not args.no_build:
        build()
    exe = binary()
    if args.client == "rust":
        # Before the import, not after it: an hour's import is not to be
        # thrown away for want of the load generator.
        load_generator()
    work = args.work or tempfile.mkdtemp(prefix="ravenwire-scale-")
    pages, data = os.path.join(work, "pages"), os.path.join(work, "data")
    shutil.rmtree(data, ignore_errors=True)
    try:
        if os.path.exists(os.path.join(pages, "done.json")):
            with open(os.path.join(pages, "done.json")) as f:
                generated = json.load(f)
        else:
            shutil.rmtree(pages, ignore_errors=True)
            print(f"generating {args.n:,} pages in {pages}", file=sys.stderr)
            generated = generate(args, pages)
            with open(os.path.join(pages, "done.json"), "w") as f:
                json.dump(generated, f)
        if generated["pages"] != args.n or generated["seed"] != args.seed:
            sys.exit(f"{pages} holds another stream ({generated['pages']} pages, seed {generated['seed']})")
        print(f"importing into {data}", file=sys.stderr)
        wall, usage, timings, log = run_import(args, exe, data, pages)
        imported = timings[-1]["articles"] if timings else 0
        rows = windows(timings)
        db = os.path.join(data, "ravenwire.sqlite")
        sizes = {
            "database_bytes": sum(size_of(db + suffix) for suffix in ("", "-wal", "-shm") if os.path.exists(db + suffix)),
            "index_bytes": size_of(os.path.join(data, "index")),
            "snapshot_bytes": size_of(os.path.join(data, "story-engine.snapshot"))
            if os.path.exists(os.path.join(data, "story-engine.snapshot")) else 0,
        }
        engine_at = {}
        for mark in MARKS:
            row = next((r for r in rows if r["to"] == mark), None)
            if row:
                engine_at[str(mark)] = {"engine_us": row["engine_us"], "story_us": row["story_us"],
                                        "window": [row["from"], row["to"]]}
        totals = {k[:-2]: round(v, 2) for k, v in timings[-1].items() if k.endswith("_s")} if timings else {}
        out = args.out or os.path.join(HERE, "out", f"scale-{args.n}.json")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        # The import's figures, kept until the whole summary replaces them.
        with open(out + ".import", "w") as f:
            json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                       "peak_rss_kib": usage.ru_maxrss, "timings": timings, "log": log}, f)
        truth = os.path.join(pages, "truth.jsonl.gz")
        quality = None
        if os.path.exists(truth):
            print("scoring the stories against the stream's truth", file=sys.stderr)
            quality = json.loads(subprocess.run(
                [sys.executable, os.path.join(HERE, "scale_quality.py"), data, truth],
                check=True, capture_output=True, text=True).stdout)
        print("serving and timing queries", file=sys.stderr)
        latency = latency_bench(args, exe, data, generated["first"][:10], generated["last"][:10])
        summary = {
            "n": args.n,
            "seed": args.seed,
            "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
            "generated": generated,
            "import": {
                "articles": imported,
                "wall_s": round(wall, 1),
                "articles_per_s": round(imported / wall, 1) if wall else None,
                "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
                "user_s": round(usage.ru_utime, 1),
                "system_s": round(usage.ru_stime, 1),
                "articles_per_cpu_s": round(imported / max(usage.ru_utime + usage.ru_stime, 1e-9), 1),
                "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                "summary": [line for line in log if line.startswith("imported")],
                "stage_totals_s": totals,
            },
            "sizes": sizes,
            "engine_cost_at": engine_at,
            "windows": rows,
            "latency": latency,
            "quality": quality,
        }
        with open(out, "w") as f:
            json.dump(summary, f, indent=1)
        os.remove(out + ".import")
        print_table(summary)
        print(f"written: {out}")
    finally:
        if args.keep or args.work:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


def latency_only(args):
    """The latency part alone, on a data folder an earlier run kept: for
    comparing builds on the same data without importing again."""
    data = args.latency_only
    done = os.path.join(os.path.dirname(os.path.abspath(data)), "pages", "done.json")
    if not os.path.exists(done):
        sys.exit(f"{done} not found: --latency-only wants the data folder of a run kept with --work or --keep")
    with open(done) as f:
        generated = json.load(f)
    if not args.no_build:
        build()
    latency = latency_bench(args, binary(), data, generated["first"][:10], generated["last"][:10])
    print(json.dumps({"data": data, "clients": args.clients, "client": args.client, "load_before": os.getloadavg(), "latency": latency},
                     indent=1))


def print_table(s):
    imp = s["import"]
    mib = 2 ** 20
    lines = [
        f"scale benchmark, N = {s['n']:,} (seed {s['seed']}, {s['generated']['stories']:,} stories, "
        f"{s['generated']['outlets']} outlets, {s['generated']['mean_words']} words a page)",
        f"  import             {imp['articles']:,} articles in {imp['wall_s']} s: {imp['articles_per_s']} articles/s "
        f"(CPU {imp['cpu_s']} s: {imp['articles_per_cpu_s']} articles per CPU second)",
        f"  peak RSS           {imp['peak_rss_mib']} MiB",
        f"  database           {s['sizes']['database_bytes'] / mib:.1f} MiB, index {s['sizes']['index_bytes'] / mib:.1f} MiB, "
        f"snapshot {s['sizes']['snapshot_bytes'] / mib:.1f} MiB",
        "  stage totals (s)   " + ", ".join(f"{k} {v}" for k, v in imp["stage_totals_s"].items()),
    ]
    for mark, at in s["engine_cost_at"].items():
        lines.append(f"  engine at {int(mark):>9,}  {at['engine_us']:,.0f} µs/article (story step with placement "
                     f"{at['story_us']:,.0f} µs), window {at['window'][0]:,}–{at['window'][1]:,}")
    q = s.get("quality")
    if q:
        st, wc = q["stories"], q["wire_copies"]
        lines.append(f"  stories            B³ F1 {st['b3_f1']} (P {st['b3_precision']}, R {st['b3_recall']}), "
                     f"{st['stored']:,} stored for {st['true']:,} true; wire copies marked {wc['marked']:,} "
                     f"of {wc['true']:,}; pages marked copies {q['marked_copies']['all']:,}")
    lines.append(f"  {'latency':<17}  {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} errors")
    for kind in ("word", "phrase", "filtered", "front_page"):
        r = s["latency"][kind]
        lines.append(f"  {kind:<17}  {r['p50_ms']:>8} {r['p99_ms']:>8} {r['per_s']:>8} {r['errors']}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
