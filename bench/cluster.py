#!/usr/bin/env python3
"""Scores `ravenwire cluster --jsonl` on the shared clustering sets.

The gold `story` (and ECB+'s `topic`) fields are dropped before the
documents reach ravenwire, as the benchmark's harness does.

Usage: python3 bench/cluster.py [--shared ../shared] [--out bench/out]
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN = ("story", "topic")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(ROOT, "..", "shared"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench", "out"))
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "ravenwire"))
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()

    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "ravenwire"], cwd=ROOT, check=True)
    os.makedirs(args.out, exist_ok=True)
    bench = os.path.join(args.shared, "bench", "clustering")
    for name in ("basil", "ecbplus"):
        gold = os.path.join(bench, f"{name}.jsonl")
        with open(gold, encoding="utf-8") as f:
            docs = [json.loads(line) for line in f if line.strip()]
        stream = "".join(json.dumps({k: v for k, v in d.items() if k not in HIDDEN}) + "\n" for d in docs)
        start = time.perf_counter()
        result = subprocess.run(
            [args.binary, "cluster", "--jsonl", "-"], input=stream, capture_output=True, text=True, check=True
        )
        seconds = time.perf_counter() - start
        pred = os.path.join(args.out, f"ravenwire-{name}.jsonl")
        with open(pred, "w", encoding="utf-8") as f:
            f.write(result.stdout)
        print(f"== {name}: {len(docs)} documents in {seconds:.2f} s (whole process)")
        scored = subprocess.run(
            [sys.executable, os.path.join(bench, "score.py"), gold, pred], capture_output=True, text=True, check=True
        )
        print(scored.stdout.strip())


if __name__ == "__main__":
    main()
