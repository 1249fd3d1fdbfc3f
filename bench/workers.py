#!/usr/bin/env python3
"""Workers on PostgreSQL: the same synthetic pages stored by 1, 2 and 4
`ravenwire worker` processes sharing one database, each in a data folder of
its own (as on separate machines); one of them leads and places stories.

    python3 bench/workers.py [--n 2000] [--workers 1,2,4] [--pg URL]

For each count: a fresh database, `ravenwire enqueue` of the pages, then the
workers started together with `--until-idle`; the time from their start to
the last one's exit is the ingest time (enqueueing is not counted). Reports
articles/s, the CPU seconds of the workers, and checks that every count gave
the same articles and stories. Without --pg it starts a private PostgreSQL
(see bench/search_compare.py). Writes bench/out/workers.json.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_workers import fresh_database  # noqa: E402
from search_compare import PrivatePg  # noqa: E402

import psycopg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--pg", help="a PostgreSQL URL whose user may CREATE DATABASE")
    ap.add_argument("--bin", default=str(ROOT / "target/release/ravenwire"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/workers.json")
    args = ap.parse_args()
    private = None if args.pg else PrivatePg()
    admin = args.pg or private.url
    work = Path(tempfile.mkdtemp(prefix="rw-workers-"))
    results = []
    try:
        pages = work / "pages"
        subprocess.run([sys.executable, str(ROOT / "bench/scale_gen.py"), str(pages), "--n", str(args.n)],
                       check=True, stdout=subprocess.DEVNULL)
        shapes = {}
        for count in [int(c) for c in args.workers.split(",")]:
            name = f"rw_workers_{count}"
            url = fresh_database(admin, name)
            env = dict(os.environ, RAVENWIRE_DATABASE_URL=url)
            env.pop("RAVENWIRE_DATA", None)
            subprocess.run([args.bin, "--data", str(work / "enq"), "enqueue", str(pages)], env=env, check=True)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.time()
            procs = [subprocess.Popen([args.bin, "--data", str(work / f"d{count}-{i}"), "worker", "--until-idle",
                                       "--name", f"w{i}"], env=env, stderr=subprocess.PIPE, text=True)
                     for i in range(count)]
            for p in procs:
                _, err = p.communicate()
                if p.returncode != 0:
                    sys.exit(f"worker failed: {err}")
            wall = time.time() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            with psycopg.connect(url) as conn:
                articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
                unplaced = conn.execute(
                    "SELECT count(*) FROM articles a WHERE NOT EXISTS "
                    "(SELECT 1 FROM story_members m WHERE m.article_id = a.id)").fetchone()[0]
                groups = conn.execute(
                    "SELECT string_agg(a.canonical_url, ' ' ORDER BY a.canonical_url) FROM story_members m "
                    "JOIN articles a ON a.id = m.article_id GROUP BY m.story_id").fetchall()
            shapes[count] = sorted(g[0] for g in groups)
            row = {"workers": count, "articles": articles, "unplaced": unplaced, "wall_s": round(wall, 1),
                   "articles_per_s": round(articles / wall, 1), "cpu_s": round(cpu, 1)}
            results.append(row)
            print(f"{count} worker(s): {articles} articles in {wall:.1f} s = {articles / wall:.1f}/s, "
                  f"CPU {cpu:.1f} s, unplaced {unplaced}")
        same = len({json.dumps(s) for s in shapes.values()}) == 1
        print("stories identical across worker counts:", same)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"n": args.n, "runs": results, "same_stories": same}, indent=2))
    finally:
        if private:
            private.stop()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
