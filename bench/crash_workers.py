#!/usr/bin/env python3
"""Crash consistency of workers on PostgreSQL: two `ravenwire worker`
processes ingest a queue of pages while this script kills one of them (the
leader or the other, drawn at random) with SIGKILL, 20 times, restarting it
each time; then compares the store with a clean run of the same queue.

    python3 bench/crash_workers.py [--n 1500] [--kills 20] [--seed 1]
                                   [--lease 10] [--pg URL]

Steps:
1. Synthetic pages from bench/scale_gen.py; a fresh database for the clean
   run and one for the crashed run, each filled by `ravenwire enqueue`.
2. Clean run: two workers with `--until-idle`, each in its own data folder.
3. Crashed run: two workers (without `--until-idle`). After each seeded
   random delay one of them is killed with SIGKILL: the one that leads (it
   logged "leading" and has not died since) or the other, chosen at random.
   The killed one is restarted at once in its own data folder. Its claimed
   jobs stay leased until `--lease` runs out; then a worker retries them.
   After the last kill, both are stopped with SIGKILL too, and one last
   worker runs with `--until-idle` to finish the queue and the placing.
4. The two databases are compared: article count, the set of (canonical
   URL, content hash), canonical URLs stored twice, articles in no story,
   jobs not done (dead or still queued); the last leader's data folder is
   checked with `ravenwire check --dry-run` (its index must hold every
   article, with nothing beyond its mark); search hits for common words
   equal the clean run's; and the stories, as B-cubed F1 of the crashed
   run's partition against the clean run's, beside the same figure for a
   second clean run. Workers store pages in the queue's order, so two
   clean runs agree; a kill can still put a page out of that order (a
   worker that dies holding a job stops holding back the jobs behind it
   once its lease runs out), and then the stories may differ.

Prints one JSON object and writes bench/out/crash_workers.json. Exit status
1 when an article is lost or duplicated, a job is not done, or the index
disagrees with the store. Without --pg it starts a private PostgreSQL (see
bench/search_compare.py). Needs `psycopg`.
"""

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from crash_kills import b_cubed, parse_check  # noqa: E402
from search_compare import PrivatePg  # noqa: E402

import psycopg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("the", "said", "government", "police")


class Workers:
    """The worker processes of one run, each in its own data folder."""

    def __init__(self, binary, url, work, tag, lease):
        self.binary, self.url, self.work, self.tag, self.lease = binary, url, work, tag, lease
        self.env = dict(os.environ, RAVENWIRE_DATABASE_URL=url, RUST_LOG="info")
        self.env.pop("RAVENWIRE_DATA", None)
        self.procs = {}
        self.logs = {}
        self.starts = 0

    def folder(self, slot):
        return self.work / f"{self.tag}-{slot}"

    def start(self, slot, until_idle=False):
        self.starts += 1
        log = self.work / f"{self.tag}-{slot}-{self.starts}.log"
        args = [self.binary, "--data", str(self.folder(slot)), "worker", "--name", f"{self.tag}{slot}",
                "--lease", str(self.lease)]
        if until_idle:
            args.append("--until-idle")
        out = open(log, "w")
        self.procs[slot] = subprocess.Popen(args, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.logs[slot] = log

    def leads(self, slot):
        """Whether this slot's current process has taken the leader lock."""
        try:
            return "leading" in self.logs[slot].read_text(errors="replace")
        except OSError:
            return False

    def kill(self, slot):
        p = self.procs[slot]
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
        p.wait()

    def wait(self, slot, timeout):
        code = self.procs[slot].wait(timeout=timeout)
        if code != 0:
            sys.exit(f"worker {self.tag}{slot} failed ({code}): see {self.logs[slot]}")


def fresh_database(admin, name):
    """An empty database `name` on the server of the `admin` URL (dropped
    first if it exists); its URL."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    if "/postgres?" in admin:
        return admin.replace("/postgres?", f"/{name}?")
    return admin.rsplit("/", 1)[0] + "/" + name


def store_view(url):
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT canonical_url, content_hash FROM articles").fetchall()
        unplaced = conn.execute(
            "SELECT count(*) FROM articles a WHERE NOT EXISTS "
            "(SELECT 1 FROM story_members m WHERE m.article_id = a.id)").fetchone()[0]
        members = conn.execute(
            "SELECT a.canonical_url, m.story_id FROM story_members m JOIN articles a ON a.id = m.article_id"
        ).fetchall()
        jobs = dict(conn.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
        errors = [r[0] for r in conn.execute(
            "SELECT DISTINCT last_error FROM jobs WHERE last_error IS NOT NULL").fetchall()]
    urls = [r[0] for r in rows]
    return {
        "articles": len(rows),
        "pairs": {(r[0], r[1]) for r in rows},
        "twice": len(urls) - len(set(urls)),
        "unplaced": unplaced,
        "stories": {u: str(s) for u, s in members},
        "jobs": jobs,
        "errors": errors,
    }


def run_cmd(binary, url, data, *args):
    env = dict(os.environ, RAVENWIRE_DATABASE_URL=url)
    env.pop("RAVENWIRE_DATA", None)
    p = subprocess.run([binary, "--data", str(data), *args], env=env, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def hits(binary, url, data, word):
    code, out = run_cmd(binary, url, data, "search", "--json", "--limit", "1000000", word)
    if code != 0:
        raise RuntimeError(f"search {word!r} failed: {out}")
    return sorted(json.loads(line)["url"] for line in out.splitlines() if line.strip().startswith("{"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lease", type=int, default=10)
    ap.add_argument("--pg", help="a PostgreSQL URL whose user may CREATE DATABASE")
    ap.add_argument("--bin", default=str(ROOT / "target/release/ravenwire"))
    ap.add_argument("--out", type=Path, default=ROOT / "bench/out/crash_workers.json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    private = None if args.pg else PrivatePg()
    admin = args.pg or private.url
    work = Path(tempfile.mkdtemp(prefix="rw-crash-workers-"))
    try:
        pages = work / "pages"
        subprocess.run([sys.executable, str(ROOT / "bench/scale_gen.py"), str(pages), "--n", str(args.n)],
                       check=True, stdout=subprocess.DEVNULL)
        urls = {}
        for run in ("clean", "clean2", "crashed"):
            urls[run] = fresh_database(admin, f"rw_crash_workers_{run}")
            code, out = run_cmd(args.bin, urls[run], work / f"enq-{run}", "enqueue", str(pages))
            if code != 0:
                sys.exit(f"enqueue failed: {out}")

        started = time.time()
        clean = Workers(args.bin, urls["clean"], work, "clean", args.lease)
        for slot in (0, 1):
            clean.start(slot, until_idle=True)
        for slot in (0, 1):
            clean.wait(slot, timeout=3600)
        t_clean = time.time() - started
        clean_leader = next(s for s in (0, 1) if clean.leads(s))
        print(f"clean run: {t_clean:.1f} s", file=sys.stderr)
        # A second clean run: whether two runs' stories differ without any
        # kill (they should not: pages are stored in the queue's order).
        clean2 = Workers(args.bin, urls["clean2"], work, "clean2", args.lease)
        for slot in (0, 1):
            clean2.start(slot, until_idle=True)
        for slot in (0, 1):
            clean2.wait(slot, timeout=3600)

        crashed = Workers(args.bin, urls["crashed"], work, "crashed", args.lease)
        for slot in (0, 1):
            crashed.start(slot)
        kills = []
        # The kills are spread over about the clean run's time line.
        gap = max(t_clean / max(args.kills, 1), 0.5)
        for k in range(args.kills):
            time.sleep(rng.uniform(0.3, 1.7) * gap)
            slot = rng.choice((0, 1))
            was_leader = crashed.leads(slot)
            crashed.kill(slot)
            with psycopg.connect(urls["crashed"]) as conn:
                stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            kills.append({"kill": k + 1, "slot": slot, "leader": was_leader, "stored": stored})
            print(f"kill {k + 1}: worker {slot} ({'leader' if was_leader else 'not leading'}), "
                  f"{stored} articles stored", file=sys.stderr)
            crashed.start(slot)
        for slot in (0, 1):
            crashed.kill(slot)
        # Jobs the last processes held stay leased until their lease ends;
        # the finishing worker waits for them and places what is stored.
        crashed.start(0, until_idle=True)
        crashed.wait(0, timeout=3600)
        final_leader = 0

        a, b = store_view(urls["clean"]), store_view(urls["crashed"])
        code, check_out = run_cmd(args.bin, urls["crashed"], crashed.folder(final_leader), "check", "--dry-run")
        check = parse_check(check_out)
        search_equal = {
            w: hits(args.bin, urls["clean"], clean.folder(clean_leader), w)
            == hits(args.bin, urls["crashed"], crashed.folder(final_leader), w)
            for w in WORDS
        }
        def stories_f1(x, y):
            common = sorted(set(x["stories"]) & set(y["stories"]))
            return b_cubed({u: x["stories"][u] for u in common}, {u: y["stories"][u] for u in common})[2]

        f1 = stories_f1(a, b)
        f1_clean = stories_f1(a, store_view(urls["clean2"]))
        result = {
            "n": args.n,
            "kills": len(kills),
            "leader_kills": sum(1 for k in kills if k["leader"]),
            "clean_seconds": round(t_clean, 1),
            "articles": {"clean": a["articles"], "crashed": b["articles"]},
            "lost": len(a["pairs"] - b["pairs"]),
            "extra": len(b["pairs"] - a["pairs"]),
            "duplicated": b["twice"],
            "unplaced": b["unplaced"],
            "jobs": {"clean": a["jobs"], "crashed": b["jobs"]},
            "job_errors": {"clean": a["errors"], "crashed": b["errors"]},
            "check": {k: check.get(k) for k in ("articles", "indexed", "beyond_mark", "refile", "unplaced")},
            "search_equal": search_equal,
            "stories_b3_f1_against_clean": round(f1, 4),
            "stories_b3_f1_second_clean_run": round(f1_clean, 4),
            "kill_log": kills,
        }
        ok = (
            result["lost"] == 0
            and result["extra"] == 0
            and result["duplicated"] == 0
            and result["unplaced"] == 0
            and set(a["jobs"]) == {"done"}
            and set(b["jobs"]) == {"done"}
            and check.get("indexed") == b["articles"]
            and check.get("beyond_mark") == 0
            and check.get("refile") == 0
            and all(search_equal.values())
        )
        result["ok"] = ok
        print(json.dumps(result, indent=2))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2))
        sys.exit(0 if ok else 1)
    finally:
        if private:
            private.stop()
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
