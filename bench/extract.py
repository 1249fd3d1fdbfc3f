#!/usr/bin/env python3
"""Scores `ravenwire extract --jsonl` on the shared body sets (extraction,
extraction-news) and the date set.

Runs the release binary pinned to one core (taskset -c 0) over each set,
times the whole process, converts the JSON lines to the scorers' prediction
format, and runs the shared scorers. With --anchors it also runs the Python
anchors (python_anchors.py) in the same sitting, for a speed ratio.

Usage: python3 bench/extract.py [--shared ../shared] [--out bench/out] [--anchors]
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The body sets: the mixed dev set, then the news set (L3S-GN1).
BODY_SETS = ("extraction", "extraction-news")


def run_extract(binary, pages, out_jsonl):
    cmd = [binary, "extract", "--jsonl", pages]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0"] + cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(out_jsonl, "wb") as out:
        subprocess.run(cmd, stdout=out, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def speed_line(task, count, wall, cpu):
    # Wall time is what the bars name; CPU time is printed beside it because
    # on a shared 2-core machine other work can steal the pinned core.
    return (
        f"== {task}: {count} pages, whole process on one core: {wall:.2f} s wall = {count / wall:.0f} pages/s; "
        f"{cpu:.2f} s CPU = {count / cpu:.0f} pages/s"
    )


def page_id(path):
    name = os.path.basename(path)
    for suffix in (".html.gz", ".htm.gz", ".html", ".htm"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def score(scorer, pred):
    result = subprocess.run([sys.executable, scorer, pred], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "ravenwire"))
    parser.add_argument("--anchors", action="store_true", help="also time the Python anchors")
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "ravenwire"], cwd=ROOT, check=True)
    os.makedirs(args.out, exist_ok=True)
    bench = os.path.join(args.shared, "bench")

    # Body extraction, on each page set that has a body gold.
    for task in BODY_SETS:
        pages = os.path.join(bench, task, "html")
        jsonl = os.path.join(args.out, f"{task}.jsonl")
        wall, cpu = run_extract(args.binary, pages, jsonl)
        lines = read_lines(jsonl)
        pred = {page_id(l["path"]): {"articleBody": l.get("text") or ""} for l in lines}
        pred_path = os.path.join(args.out, f"ravenwire-{task}.json")
        with open(pred_path, "w", encoding="utf-8") as f:
            json.dump(pred, f)
        print(speed_line(task, len(lines), wall, cpu))
        print(score(os.path.join(bench, task, "score.py"), pred_path))

    # Publication dates.
    pages = os.path.join(bench, "dates", "html")
    jsonl = os.path.join(args.out, "dates.jsonl")
    wall, cpu = run_extract(args.binary, pages, jsonl)
    lines = read_lines(jsonl)
    pred = {}
    for l in lines:
        published = l.get("published")
        pred[page_id(l["path"])] = {"published": published[:10] if published else None}
    pred_path = os.path.join(args.out, "ravenwire-dates.json")
    with open(pred_path, "w", encoding="utf-8") as f:
        json.dump(pred, f)
    print(speed_line("dates", len(lines), wall, cpu))
    print(score(os.path.join(bench, "dates", "score.py"), pred_path))

    if args.anchors:
        for task in BODY_SETS + ("dates",):
            print(f"== Python anchors, {task} (same sitting)")
            anchor_out = os.path.join(args.out, f"anchors-{task}")
            os.makedirs(anchor_out, exist_ok=True)
            cmd = [sys.executable, os.path.join(bench, task, "python_anchors.py"), anchor_out]
            if shutil.which("taskset"):
                cmd = ["taskset", "-c", "0"] + cmd
            subprocess.run(cmd, check=False)


if __name__ == "__main__":
    main()
