#!/usr/bin/env python3
"""Times reading a WARC with ravenwire's own reader (gather's WarcReader,
through `crates/gather/examples/warc_read_bench.rs`) against Python's
warcio, in the same run, on the same file, several times each.

Neither side extracts anything: ours reads every record's header and block,
warcio iterates ArchiveIterator and reads each record's content stream to
the end. Both count records and report records per second; the script
prints the medians and their ratio.

Without --warc a test archive is made first: a warcinfo record and N
response records of small invented HTML pages, one gzip member per record
(as crawlers write them), under /tmp. warcio is installed with pip into a
virtual environment under /tmp the first time.

Usage: python3 bench/warc.py [--warc FILE] [--records 20000] [--reps 5]
                             [--debug] [--venv /tmp/ravenwire-warcio-venv]
"""

import argparse
import gzip
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORDS = (
    "harbour council ferry river valley mayor school bridge market storm "
    "festival railway library farmers vote budget tram island coast hospital "
    "museum orchard bakery lighthouse wardens pupils concert regatta"
).split()
PLACES = ["Tarnby", "Greywick", "Vellmar", "Morrow Bay", "Obermarl", "Port Senna", "Kessling"]

WARCIO_LOOP = r"""
import json, sys, time
from warcio.archiveiterator import ArchiveIterator
path = sys.argv[1]
start = time.perf_counter()
records = responses = size = 0
with open(path, "rb") as stream:
    for record in ArchiveIterator(stream):
        records += 1
        if record.rec_type == "response":
            responses += 1
        content = record.content_stream()
        while True:
            chunk = content.read(65536)
            if not chunk:
                break
            size += len(chunk)
seconds = max(time.perf_counter() - start, 1e-9)
print(json.dumps({"reader": "warcio", "records": records, "responses": responses,
                  "content_bytes": size, "seconds": seconds,
                  "records_per_s": records / seconds}))
"""


def page(rng, i):
    place = rng.choice(PLACES)
    title = f"{place} {rng.choice(WORDS)} {rng.choice(WORDS)} report {i}"
    paragraphs = []
    for _ in range(rng.randint(3, 8)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(30, 70))]
        paragraphs.append("<p>" + " ".join(words).capitalize() + ".</p>")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title></head><body><article><h1>{title}</h1>"
        + "".join(paragraphs)
        + "</article></body></html>"
    ).encode()


def warc_record(headers, block):
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def make_warc(path, count, seed=11):
    rng = random.Random(seed)
    with open(path, "wb") as out:
        info = b"software: ravenwire bench/warc.py\r\nformat: WARC File Format 1.0\r\n"
        headers = [
            ("WARC-Type", "warcinfo"),
            ("WARC-Date", "2024-03-01T00:00:00Z"),
            ("WARC-Record-ID", f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}>"),
            ("Content-Type", "application/warc-fields"),
        ]
        out.write(gzip.compress(warc_record(headers, info), compresslevel=6))
        for i in range(count):
            body = page(rng, i)
            http = (
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            headers = [
                ("WARC-Type", "response"),
                ("WARC-Target-URI", f"https://news-{i % 50}.example/story/{i}"),
                ("WARC-Date", f"2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"),
                ("WARC-Record-ID", f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}>"),
                ("Content-Type", "application/http; msgtype=response"),
            ]
            out.write(gzip.compress(warc_record(headers, http), compresslevel=6))


def ensure_warcio(venv):
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    probe = subprocess.run([python, "-c", "import warcio"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([python, "-m", "pip", "install", "--quiet", "warcio"], check=True)
    return python


def build_ours(debug):
    profile = [] if debug else ["--release"]
    subprocess.run(
        ["cargo", "build", *profile, "-p", "ravenwire-gather", "--example", "warc_read_bench"],
        cwd=ROOT,
        check=True,
    )
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "debug" if debug else "release", "examples", "warc_read_bench")


def run_json(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warc", help="an existing .warc or .warc.gz (default: make one)")
    parser.add_argument("--records", type=int, default=20000, help="response records to generate")
    parser.add_argument("--reps", type=int, default=5, help="timed runs of each reader")
    parser.add_argument("--debug", action="store_true", help="time a debug build (quick check only)")
    parser.add_argument("--venv", default="/tmp/ravenwire-warcio-venv")
    args = parser.parse_args()

    path = args.warc
    if path is None:
        path = f"/tmp/ravenwire-bench-{args.records}.warc.gz"
        if not os.path.exists(path):
            t = time.perf_counter()
            make_warc(path + ".part", args.records)
            os.replace(path + ".part", path)
            print(f"made {path} ({os.path.getsize(path) / 2**20:.1f} MiB) "
                  f"in {time.perf_counter() - t:.1f} s", file=sys.stderr)

    python = ensure_warcio(args.venv)
    ours = build_ours(args.debug)

    runs = {"ravenwire": [], "warcio": []}
    for rep in range(args.reps):
        # Alternate, so a machine that slows down mid-run costs both alike.
        mine = run_json([ours, path])
        theirs = run_json([python, "-c", WARCIO_LOOP, path])
        if mine["records"] != theirs["records"] or mine["errors"]:
            print(f"warning: record counts differ: ours {mine['records']} "
                  f"({mine['errors']} errors), warcio {theirs['records']}", file=sys.stderr)
        runs["ravenwire"].append(mine)
        runs["warcio"].append(theirs)
        print(f"rep {rep + 1}: ravenwire {mine['records_per_s']:,.0f} records/s, "
              f"warcio {theirs['records_per_s']:,.0f} records/s", file=sys.stderr)

    summary = {
        "file": path,
        "bytes": os.path.getsize(path),
        "records": runs["ravenwire"][0]["records"],
        "responses": runs["ravenwire"][0]["responses"],
        "build": "debug" if args.debug else "release",
        "reps": args.reps,
    }
    for name, results in runs.items():
        summary[f"{name}_records_per_s"] = round(
            statistics.median(r["records_per_s"] for r in results), 1)
    summary["ratio"] = round(summary["ravenwire_records_per_s"] / summary["warcio_records_per_s"], 2)
    print(json.dumps(summary, indent=2))
    print(f"ravenwire reads {summary['ratio']}x as many records per second as warcio "
          f"(median of {args.reps}, {summary['build']} build)", file=sys.stderr)


if __name__ == "__main__":
    main()
