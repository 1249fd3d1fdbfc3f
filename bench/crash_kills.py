#!/usr/bin/env python3
"""Crash consistency under random kills: `ravenwire import` killed with SIGKILL
20 times at random moments, restarted each time, then run to the end, and
compared with a clean import of the same input.

Input (`--corpus`):
- `shared` (default): the pages of ../shared/bench/extraction*/html (read
  where they lie, never copied) and, rendered to HTML in a temporary folder,
  the documents of ../shared/bench/clustering/{basil,ecbplus}.jsonl, whose
  stories make the story engine split, reunite and move articles. About
  2,000 pages.
- `fixtures`: the repository's own test pages
  (crates/ravenwire/tests/fixtures/pages) and invented pages generated here
  (fictional stories told by several outlets), for a quick run anywhere.

Steps:
1. A clean import into one fresh data folder; its wall time T, and the time
   of a second run that meets only known pages, give the time a run needs.
2. Into another fresh folder, the same import is started and killed, 20
   times (`--kills`), restarting each time. Each kill is seeded
   (`--seed`) and is one of:
   - `timer`: SIGKILL from this script after a random delay. The 20 kill
     moments are drawn uniformly over the clean run's time line (sorted), and
     each run is killed at its moment plus the time the restarted run spends
     reading the pages it already stored;
   - `point`: `RAVENWIRE_CRASH_AT=POINT:N`, the pipeline's own crash points
     (it sends itself SIGKILL), POINT and N drawn at random.
   After each kill the script checks the store (no article lost since the
   last kill, none stored twice), and on a copy of the data folder runs
   `ravenwire check`, whose recovery must bring the index, the placement and
   the snapshot back in line with the store without rebuilding the index.
3. A last run finishes the import. The two folders are compared: article
   count, the set of (canonical URL, content hash), duplicates, every article
   in a story, each article's entities (and every article scanned by the
   current rules, and the links folded by entity, every `--entity-fold`
   articles, exactly the links at or below the fold's mark; checked after
   each kill too), `ravenwire check --dry-run` (index size and mark, the
   snapshot's watermark), search hits for common words (the same articles,
   each filed under the story the store gives it), and the stories: the
   same partition of the articles, or B-cubed precision/recall/F1 of the
   crashed run's stories against the clean run's, with the articles that
   differ; and, among the stories both runs made alike, how many have other
   related stories.

Why stories may differ: a restarted run finds no snapshot of the story
engine (a run takes the file away when it loads it and writes it anew only
when it ends), so it replays the store: each stored article goes straight
into the story it ended in, without the history (splits, reunions, the order
members joined) that the live engine went through. Later verdicts can then
differ from a clean run's. An import cut into two clean runs with the
snapshot removed between them differs from a one-run import in the same way;
with the snapshot kept it does not.

Prints one JSON object and writes it to bench/out/crash_kills[-CORPUS].json.
Exit status 1 when an article is lost or duplicated, or the store and the
index or the entities disagree.

Usage: python3 bench/crash_kills.py [--corpus shared|fixtures] [--kills 20]
       [--seed 1] [--bin target/release/ravenwire] [--index-batch 50] [--entity-fold 100]
       [--no-per-kill-check] [--keep DIR] [--out FILE]
"""

import argparse
import gzip
import html
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")

# The pipeline's crash points (crates/pipeline/src/crash.rs): those reached
# once per new article, once per index commit, and once per run (at its end).
ARTICLE_POINTS = ["before-store-commit", "after-store-commit", "after-placement"]
INDEX_POINTS = ["before-index-commit", "after-index-commit"]
RUN_POINTS = ["before-snapshot-save", "after-snapshot-save"]

# Words searched in both folders; the hits must be the same articles.
SEARCH_WORDS = ["the", "said", "and", "police", "government", "ferry"]


# ---------------------------------------------------------------- input


def page(title, paragraphs, canonical, published=None, site=None, lang="en"):
    meta = f'<link rel="canonical" href="{html.escape(canonical)}">\n'
    if published:
        meta += f'<meta property="article:published_time" content="{html.escape(published)}">\n'
    if site:
        meta += f'<meta property="og:site_name" content="{html.escape(site)}">\n'
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>\n{meta}</head>\n<body><main><article>"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</article></main></body></html>\n"
    )


def paragraphs_of(text, per=3):
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    return [" ".join(sentences[i : i + per]) for i in range(0, len(sentences), per)] or [text]


def render_clustering(folder):
    """The BASIL and ECB+ documents as pages, one file each, in file order."""
    count = 0
    for name in ["basil", "ecbplus"]:
        path = os.path.join(SHARED, "clustering", f"{name}.jsonl")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f):
                doc = json.loads(line)
                text = doc.get("text") or ""
                title = doc.get("title") or " ".join(text.split()[:10])
                if not text.strip():
                    continue
                canonical = f"https://{name}.bench.invalid/{doc['id']}"
                published = doc.get("published")
                out = os.path.join(folder, f"{name}-{n:04d}.html")
                with open(out, "w", encoding="utf-8") as w:
                    w.write(page(title, paragraphs_of(text), canonical, published, doc.get("source")))
                count += 1
    return count


PLACES = ["Oskarvik", "Brekkestad", "Velmark", "Lindholm", "Farrowby", "Grisvold", "Hallorn", "Kestrup",
          "Marwick", "Nordale", "Pellham", "Quarrow", "Rysholt", "Saltmere", "Tornby", "Ulvesund"]
SUFFIXES = ["", "vik", "holm", "by", "stad", "dal"]
ORGS = ["Fjord Line", "Nordferje", "Velmark Water", "Coastal Rail", "Harbour Trust", "Lindholm Dairy",
        "Kestrup Steel", "Saltmere Energy"]
PEOPLE = ["Ana Ruiz", "Jon Keller", "Rita Coelho", "Ivo Brandt", "Mia Sollberg", "Tomas Reyes",
          "Eda Varga", "Lars Hovland"]
EVENTS = [
    ("strike", "workers walked out over pay", "the union said talks had failed"),
    ("flood", "the river burst its banks after days of rain", "homes near the quay were evacuated"),
    ("fire", "a fire broke out in a warehouse", "crews fought the blaze through the night"),
    ("election", "voters chose a new mayor", "turnout was higher than at the last vote"),
    ("bridge closure", "the old bridge was closed after inspectors found cracks", "traffic was diverted"),
    ("factory opening", "a new factory opened", "two hundred jobs were promised"),
]
OUTLETS = ["Coast Courier", "Fjord Post", "Valley Herald", "Morning Wire", "Harbour News"]
FILLER = ("residents officials visitors families engineers said told added warned week morning evening "
          "road station square market valley district new old local first last plan meeting vote report "
          "budget repair delay cost decision council later again soon").split()


def generate_stories(folder, stories, seed):
    """Invented stories, each told by several outlets over a few days,
    interleaved in file order, and a few single reports."""
    rng = random.Random(seed)
    reports = []
    for s in range(stories):
        place = PLACES[s % len(PLACES)] + SUFFIXES[s // len(PLACES) % len(SUFFIXES)]
        org, person = rng.choice(ORGS), rng.choice(PEOPLE)
        kind, what, more = EVENTS[s % len(EVENTS)]
        for r in range(rng.randint(1, 6)):
            outlet = OUTLETS[r % len(OUTLETS)]
            words = " ".join(rng.choice(FILLER) for _ in range(18))
            title = f"{place} {kind}: {org} and {person} react (report {r + 1})"
            paragraphs = [
                f"In {place}, {what}, and {org} said it was watching closely. {person} spoke to reporters on day {r + 1}.",
                f"{more.capitalize()} in {place}. {words.capitalize()}.",
                f"{person} of {org} promised an update on the {kind} in {place}. Fictional sample news for ravenwire.",
            ]
            day = 1 + (s + r) % 27
            reports.append((rng.random(), title, paragraphs, f"https://{outlet.lower().replace(' ', '-')}.example.com/{s}/{r}",
                            f"2025-06-{day:02d}T{8 + r:02d}:00:00Z", outlet))
    reports.sort()
    for n, (_, title, paragraphs, url, published, outlet) in enumerate(reports):
        with open(os.path.join(folder, f"gen-{n:04d}.html"), "w", encoding="utf-8") as w:
            w.write(page(title, paragraphs, url, published, outlet))
    return len(reports)


def prepare_input(corpus, scratch, seed):
    """The import's paths, a description, and how many files they hold."""
    if corpus == "shared":
        rendered = os.path.join(scratch, "clustering-pages")
        os.makedirs(rendered)
        n = render_clustering(rendered)
        paths = [os.path.join(SHARED, d, "html") for d in ["extraction", "extraction-news"]]
        for p in paths:
            if not os.path.isdir(p):
                sys.exit(f"missing benchmark pages: {p}")
        files = sum(len(os.listdir(p)) for p in paths) + n
        return paths + [rendered], f"../shared/bench/extraction*/html and {n} BASIL/ECB+ documents as pages", files
    generated = os.path.join(scratch, "generated-pages")
    os.makedirs(generated)
    n = generate_stories(generated, 40, seed)
    fixtures = os.path.join(ROOT, "crates", "ravenwire", "tests", "fixtures", "pages")
    files = sum(len(fs) for _, _, fs in os.walk(fixtures)) + n
    return [fixtures, generated], f"repository fixture pages and {n} generated pages", files


# ---------------------------------------------------------------- running


class Runner:
    def __init__(self, binary, paths, index_batch, entity_fold):
        self.binary = binary
        self.paths = paths
        self.env = dict(os.environ)
        for k in ["RAVENWIRE_DATA", "RAVENWIRE_CRASH_AT", "RAVENWIRE_DATABASE_URL"]:
            self.env.pop(k, None)
        self.env["RAVENWIRE_INDEX_BATCH"] = str(index_batch)
        self.env["RAVENWIRE_ENTITY_FOLD"] = str(entity_fold)
        self.env.setdefault("RUST_LOG", "warn")

    def import_(self, data, crash_at=None, kill_after=None):
        """Runs one import. Returns (returncode, seconds, stderr tail)."""
        env = dict(self.env)
        if crash_at:
            env["RAVENWIRE_CRASH_AT"] = crash_at
        cmd = [self.binary, "--data", data, "import", *self.paths]
        start = time.monotonic()
        with tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err)
            try:
                proc.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            seconds = time.monotonic() - start
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-3000:]
        return proc.returncode, seconds, tail

    def run(self, data, *args):
        out = subprocess.run([self.binary, "--data", data, *args], env=self.env, capture_output=True, text=True)
        return out.returncode, out.stdout, out.stderr


# ---------------------------------------------------------------- reading a store


def connect(data):
    path = os.path.join(data, "ravenwire.sqlite")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def rules_version():
    """The entity rules' version (crates/stories/src/entities/mod.rs)."""
    source = os.path.join(ROOT, "crates", "stories", "src", "entities", "mod.rs")
    with open(source, encoding="utf-8") as f:
        m = re.search(r"pub const RULES_VERSION: u32 = (\d+);", f.read())
    return int(m.group(1))


def store_view(data):
    """What a data folder's store holds, keyed by canonical URL."""
    db = connect(data)
    try:
        rows = db.execute(
            "SELECT a.id, a.canonical_url, a.content_hash, m.story_id, s.version "
            "FROM articles a LEFT JOIN story_members m ON m.article_id = a.id "
            "LEFT JOIN entity_scans s ON s.article_id = a.id ORDER BY a.id"
        ).fetchall()
        entities = {}
        for url, key, mentions in db.execute(
            "SELECT a.canonical_url, e.key, ae.mentions FROM article_entities ae "
            "JOIN articles a ON a.id = ae.article_id JOIN entities e ON e.id = ae.entity_id"
        ):
            entities.setdefault(url, set()).add((key, mentions))
        related = {}
        for story, other in db.execute("SELECT story_id, related_id FROM related_stories"):
            related.setdefault(story, set()).add(other)
        fetches = db.execute("SELECT COUNT(*) FROM fetches").fetchone()[0]
        stories = db.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        empty_stories = db.execute(
            "SELECT COUNT(*) FROM stories s WHERE NOT EXISTS (SELECT 1 FROM story_members m WHERE m.story_id = s.id)"
        ).fetchone()[0]
    finally:
        db.close()
    return {
        "rows": rows,
        "ids": {url: id_ for id_, url, _, _, _ in rows},
        "pairs": [(url, h) for _, url, h, _, _ in rows],
        "story": {url: story for _, url, _, story, _ in rows},
        "scan": {url: version for _, url, _, _, version in rows},
        "entities": entities,
        "related": related,
        "fetches": fetches,
        "stories": stories,
        "empty_stories": empty_stories,
        "max_id": max((r[0] for r in rows), default=None),
    }


def fold_state(data):
    """The fold's mark, and how many links the folded copy (entity_postings)
    lacks or holds beyond the links at or below the mark: 0 when true."""
    if not os.path.exists(os.path.join(data, "ravenwire.sqlite")):
        return None, 0
    db = connect(data)
    try:
        return db.execute(
            "WITH mark AS (SELECT through FROM entity_postings_mark WHERE id = 1), "
            "below AS (SELECT entity_id, article_id, mentions FROM article_entities "
            "          WHERE article_id <= (SELECT through FROM mark)) "
            "SELECT (SELECT through FROM mark), "
            "(SELECT COUNT(*) FROM (SELECT * FROM entity_postings EXCEPT SELECT * FROM below)) "
            "+ (SELECT COUNT(*) FROM (SELECT * FROM below EXCEPT SELECT * FROM entity_postings))"
        ).fetchone()
    finally:
        db.close()


def stored_urls(data):
    if not os.path.exists(os.path.join(data, "ravenwire.sqlite")):
        return []
    db = connect(data)
    try:
        return [u for (u,) in db.execute("SELECT canonical_url FROM articles")]
    finally:
        db.close()


def parse_check(text):
    """The figures of `ravenwire check`'s survey."""
    out = {}
    m = re.search(r"store: (\d+) articles, (\d+) stories", text)
    if m:
        out["articles"], out["stories"] = int(m.group(1)), int(m.group(2))
    m = re.search(r"index: (\d+) articles, mark (\w+), (\d+) stored articles beyond it, (\d+) moved", text)
    if m:
        out["indexed"] = int(m.group(1))
        out["mark"] = None if m.group(2) == "none" else int(m.group(2))
        out["beyond_mark"], out["refile"] = int(m.group(3)), int(m.group(4))
    m = re.search(r"stories: (\d+) articles in no story", text)
    if m:
        out["unplaced"] = int(m.group(1))
    m = re.search(r"snapshot: loads, has seen articles up to (\d+)", text)
    out["snapshot_up_to"] = int(m.group(1)) if m else None
    m = re.search(r"snapshot: (.*)", text)
    out["snapshot"] = m.group(1) if m else None
    return out


def search_hits(runner, data, word):
    code, out, err = runner.run(data, "search", "--json", "--limit", "1000000", word)
    if code != 0:
        raise RuntimeError(f"search {word!r} failed: {err}")
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# ---------------------------------------------------------------- comparing


def b_cubed(gold, pred):
    """B-cubed precision, recall and F1 of `pred` against `gold`, both maps
    item -> cluster over the same items."""
    def groups(m):
        g = {}
        for item, c in m.items():
            g.setdefault(c, set()).add(item)
        return g

    gg, pg = groups(gold), groups(pred)
    p = r = 0.0
    for item in gold:
        mine, truth = pg[pred[item]], gg[gold[item]]
        both = len(mine & truth)
        p += both / len(mine)
        r += both / len(truth)
    n = len(gold) or 1
    p, r = p / n, r / n
    f = 2 * p * r / (p + r) if p + r else 0.0
    return round(p, 4), round(r, 4), round(f, 4)


def partition_difference(clean, crashed):
    """How the crashed run's stories differ from the clean run's (both: URL
    -> story id), by URL. Stories are compared as sets of URLs."""
    def blocks(m):
        g = {}
        for url, s in m.items():
            g.setdefault(s, set()).add(url)
        return {frozenset(b) for b in g.values()}

    common = {u for u in clean if u in crashed}
    a = {u: clean[u] for u in common}
    b = {u: crashed[u] for u in common}
    ca, cb = blocks(a), blocks(b)
    only_clean = ca - cb
    only_crashed = cb - ca
    moved = set().union(*only_clean) if only_clean else set()
    p, r, f = b_cubed(a, b)
    return {
        "identical": not only_clean and not only_crashed,
        "stories_clean": len(ca),
        "stories_crashed": len(cb),
        "stories_only_in_clean": len(only_clean),
        "stories_only_in_crashed": len(only_crashed),
        "articles_in_differing_stories": len(moved),
        "b3_precision": p,
        "b3_recall": r,
        "b3_f1": f,
        "examples": [sorted(x)[:6] for x in sorted(only_clean, key=len, reverse=True)[:3]],
        "examples_crashed": [sorted(x)[:6] for x in sorted(only_crashed, key=len, reverse=True)[:3]],
    }


def related_difference(a, b):
    """Among the stories both runs made alike (the same URLs), how many have
    related-story lists that differ (compared as sets of URL sets), and how
    many have a list in one run and none in the other."""
    def members(view):
        g = {}
        for url, s in view["story"].items():
            g.setdefault(s, set()).add(url)
        return {s: frozenset(u) for s, u in g.items()}

    ma, mb = members(a), members(b)
    by_urls_b = {urls: s for s, urls in mb.items()}
    same = differ = missing = 0
    for sa, urls in ma.items():
        sb = by_urls_b.get(urls)
        if sb is None:
            continue
        same += 1
        ra = {ma.get(x) for x in a["related"].get(sa, set())}
        rb = {mb.get(x) for x in b["related"].get(sb, set())}
        if ra != rb:
            differ += 1
            if bool(ra) != bool(rb):
                missing += 1
    return {"stories_alike": same, "related_lists_differ": differ, "related_list_in_one_run_only": missing}


def compare(runner, clean_dir, crash_dir, version):
    a, b = store_view(clean_dir), store_view(crash_dir)
    problems = []
    pairs_a, pairs_b = set(a["pairs"]), set(b["pairs"])
    urls_b = [u for u, _ in b["pairs"]]
    result = {
        "articles_clean": len(a["rows"]),
        "articles_crashed": len(b["rows"]),
        "lost": len(pairs_a - pairs_b),
        "extra": len(pairs_b - pairs_a),
        "duplicated_urls": len(urls_b) - len(set(urls_b)),
        "duplicated_pairs": len(b["pairs"]) - len(pairs_b),
        "duplicate_content_hashes_clean": len(a["rows"]) - len({h for _, h in a["pairs"]}),
        "duplicate_content_hashes_crashed": len(b["rows"]) - len({h for _, h in b["pairs"]}),
        "in_no_story": sum(1 for s in b["story"].values() if s is None),
        "lacking_entities": sum(1 for v in b["scan"].values() if v is None or v < version),
        "entities_differ": sum(
            1 for u in a["story"] if a["entities"].get(u, set()) != b["entities"].get(u, set())
        ),
        "empty_stories_crashed": b["empty_stories"],
        "fetch_log_rows_clean": a["fetches"],
        "fetch_log_rows_crashed": b["fetches"],
    }
    if result["articles_clean"] != result["articles_crashed"]:
        problems.append("article counts differ")
    for key in ["lost", "extra", "duplicated_urls", "duplicated_pairs", "in_no_story", "lacking_entities",
                "entities_differ", "empty_stories_crashed"]:
        if result[key]:
            problems.append(f"{key}: {result[key]}")
    if result["lost"] or result["extra"]:
        result["lost_examples"] = sorted(pairs_a - pairs_b)[:5]
        result["extra_examples"] = sorted(pairs_b - pairs_a)[:5]

    checks = {}
    for name, d, view in [("clean", clean_dir, a), ("crashed", crash_dir, b)]:
        code, out, err = runner.run(d, "check", "--dry-run")
        survey = parse_check(out)
        survey["exit"] = code
        survey["healthy"] = code == 0 and "healthy" in out
        checks[name] = survey
        if not survey["healthy"]:
            problems.append(f"{name}: check --dry-run is not healthy: {out.strip()} {err.strip()[-500:]}")
        if survey.get("indexed") != len(view["rows"]):
            problems.append(f"{name}: index holds {survey.get('indexed')} articles, store {len(view['rows'])}")
        if survey.get("mark") != view["max_id"]:
            problems.append(f"{name}: index mark {survey.get('mark')}, last article {view['max_id']}")
        if survey.get("snapshot_up_to") != view["max_id"]:
            problems.append(f"{name}: snapshot {survey.get('snapshot')}, last article {view['max_id']}")
    result["check"] = checks
    for name, d in [("clean", clean_dir), ("crashed", crash_dir)]:
        through, disagreeing = fold_state(d)
        result[f"folded_through_{name}"] = through
        if disagreeing:
            problems.append(f"{name}: {disagreeing} entity links folded wrongly (mark {through})")

    searches = {}
    for word in SEARCH_WORDS:
        row = {}
        urls = {}
        for name, d, view in [("clean", clean_dir, a), ("crashed", crash_dir, b)]:
            hits = search_hits(runner, d, word)
            by_id = {id_: url for url, id_ in view["ids"].items()}
            urls[name] = {by_id.get(h["id"], f"unknown id {h['id']}") for h in hits}
            misfiled = sum(1 for h in hits if h["id"] in by_id and h["story"] != view["story"][by_id[h["id"]]])
            unknown = sum(1 for h in hits if h["id"] not in by_id)
            row[name] = len(hits)
            if misfiled or unknown:
                problems.append(f"{name}: search {word!r}: {misfiled} hits under another story than the store's, "
                                f"{unknown} hits the store does not hold")
            row[f"{name}_misfiled"] = misfiled
        row["same_articles"] = urls["clean"] == urls["crashed"]
        if not row["same_articles"]:
            problems.append(f"search {word!r}: {len(urls['clean'] ^ urls['crashed'])} hits differ")
        searches[word] = row
    result["search"] = searches

    result["stories"] = partition_difference(a["story"], b["story"])
    result["related"] = related_difference(a, b)
    return result, problems


# ---------------------------------------------------------------- one kill


def after_kill_checks(runner, data, before_urls, scratch):
    """Checks the store a kill left, then lets `ravenwire check` recover a
    copy of it. Returns (facts, problems)."""
    urls = stored_urls(data)
    problems = []
    facts = {"stored": len(urls)}
    through, disagreeing = fold_state(data)
    facts["folded_through"] = through
    if disagreeing:
        problems.append(f"{disagreeing} entity links folded wrongly (mark {through})")
    lost = set(before_urls) - set(urls)
    if lost:
        problems.append(f"{len(lost)} articles stored before this run are gone, e.g. {sorted(lost)[:3]}")
    if len(urls) != len(set(urls)):
        problems.append(f"{len(urls) - len(set(urls))} URLs stored twice")
    if scratch is None or not urls:
        return facts, problems, urls
    copy = os.path.join(scratch, "after-kill")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(data, copy)
    try:
        code, out, err = runner.run(copy, "check", "--dry-run")
        before = parse_check(out)
        facts["survey"] = {k: before.get(k) for k in ["indexed", "beyond_mark", "unplaced", "refile", "snapshot"]}
        code, out, err = runner.run(copy, "check")
        facts["recovery"] = [line for line in out.splitlines() if not re.match(r"(store|index|stories|snapshot):", line)]
        if code != 0 or not ("healthy" in out or "repaired" in out):
            problems.append(f"check could not recover a copy: {out.strip()} {err.strip()[-500:]}")
        if "rebuilt the index" in out:
            problems.append(f"recovery left the index disagreeing with the store (check rebuilt it): {out.strip()}")
        if "removed the unusable snapshot" in out:
            problems.append(f"the kill left an unusable snapshot: {out.strip()}")
        view = store_view(copy)
        if any(v is None for v in view["scan"].values()):
            problems.append("articles without entities after recovery")
        if any(s is None for s in view["story"].values()):
            problems.append("articles in no story after recovery")
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    return facts, problems, urls


def plan_kill(rng, kill, kills, stored, total, index_batch, timeline, t_clean, t_known, point_share):
    """What kills this run: ("point", "NAME:N") or ("timer", seconds)."""
    remaining = max(total - stored, 0)
    if rng.random() < point_share:
        left = kills - kill
        if remaining == 0 or left <= 1:
            names = INDEX_POINTS + RUN_POINTS
        else:
            names = ARTICLE_POINTS + INDEX_POINTS
        name = rng.choice(names)
        if name in ARTICLE_POINTS:
            n = rng.randint(1, max(1, 2 * remaining // (left + 1)))
        elif name in INDEX_POINTS:
            # New articles' commits, and the recovery's.
            n = rng.randint(1, max(1, 2 * (remaining // index_batch + 1) // (left + 1)))
        else:
            n = 1
        return "point", f"{name}:{n}"
    # The moment on the clean run's time line, past what this store already
    # holds, plus the time spent reading the pages it already stored.
    done = t_clean * stored / total if total else 0.0
    target = max(timeline[kill], done)
    delay = (target - done) + t_known * stored / max(total, 1)
    return "timer", round(delay + 0.05, 3)


# ---------------------------------------------------------------- main


def build(binary):
    if binary:
        return binary
    subprocess.run(["cargo", "build", "--release", "--locked", "-p", "ravenwire"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "ravenwire")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=["shared", "fixtures"], default="shared")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", help="a built ravenwire binary (default: build target/release/ravenwire)")
    ap.add_argument("--index-batch", type=int, default=50,
                    help="RAVENWIRE_INDEX_BATCH for every run, so that index commits happen often (default 50)")
    ap.add_argument("--entity-fold", type=int, default=100,
                    help="RAVENWIRE_ENTITY_FOLD for every run, so that the store folds entity links often "
                         "and kills land around folds (default 100; the product folds every 4,096 articles)")
    ap.add_argument("--point-share", type=float, default=0.3,
                    help="share of the kills made by RAVENWIRE_CRASH_AT points rather than timers")
    ap.add_argument("--no-per-kill-check", action="store_true", help="skip `check` on a copy after each kill")
    ap.add_argument("--keep", help="keep the two data folders under this folder")
    ap.add_argument("--out", help="where to write the JSON (default bench/out/crash_kills[-fixtures].json)")
    args = ap.parse_args()

    binary = build(args.bin)
    rng = random.Random(args.seed)
    version = rules_version()
    scratch = tempfile.mkdtemp(prefix="ravenwire-crash-")
    problems = []
    try:
        paths, described, files = prepare_input(args.corpus, scratch, args.seed)
        runner = Runner(binary, paths, args.index_batch, args.entity_fold)
        base = args.keep or scratch
        os.makedirs(base, exist_ok=True)
        clean_dir, crash_dir = os.path.join(base, "clean"), os.path.join(base, "crashed")
        for d in [clean_dir, crash_dir]:
            shutil.rmtree(d, ignore_errors=True)

        clean_code, t_clean, clean_err = runner.import_(clean_dir)
        if clean_code not in (0, 2):
            sys.exit(f"the clean import failed ({clean_code}): {clean_err}")
        _, t_known, _ = runner.import_(clean_dir)
        total = len(stored_urls(clean_dir))
        print(f"clean import: {total} articles from {files} files in {t_clean:.1f} s "
              f"(a run over known pages: {t_known:.1f} s)", file=sys.stderr)

        timeline = sorted(rng.uniform(0, t_clean) for _ in range(args.kills))
        kills, runs, urls = [], 0, []
        kill = 0
        while kill < args.kills and runs < 3 * args.kills:
            runs += 1
            kind, what = plan_kill(rng, kill, args.kills, len(urls), total, args.index_batch, timeline,
                                   t_clean, t_known, args.point_share)
            if kind == "point":
                code, seconds, err = runner.import_(crash_dir, crash_at=what)
            else:
                code, seconds, err = runner.import_(crash_dir, kill_after=what)
            killed = code == -signal.SIGKILL
            entry = {"run": runs, "kind": kind, "at": what, "seconds": round(seconds, 2), "killed": killed}
            if not killed and code not in (0, 2):
                problems.append(f"run {runs} ended with status {code}: {err[-1000:]}")
            if kind == "point" and killed and "crashing at" not in err:
                problems.append(f"run {runs}: killed, but not at {what}: {err[-500:]}")
            facts, found, urls = after_kill_checks(
                runner, crash_dir, urls, None if args.no_per_kill_check else scratch
            )
            entry.update(facts)
            if found:
                entry["problems"] = found
                problems.extend(f"run {runs} ({kind} {what}): {p}" for p in found)
            kills.append(entry)
            print(json.dumps(entry), file=sys.stderr)
            if killed:
                kill += 1

        final_code, t_final, final_err = runner.import_(crash_dir)
        if final_code != clean_code:
            problems.append(f"the last run ended with {final_code}, the clean one with {clean_code}: {final_err[-1000:]}")
        result, found = compare(runner, clean_dir, crash_dir, version)
        problems.extend(found)

        summary = {
            "corpus": args.corpus,
            "input": described,
            "input_files": files,
            "seed": args.seed,
            "binary": os.path.relpath(binary, ROOT) if binary.startswith(ROOT) else binary,
            "index_batch": args.index_batch,
            "entity_fold": args.entity_fold,
            "kills_between_folds_and_after": sum(
                1 for k in kills if k["killed"] and (k.get("folded_through") or 0) > 0
            ),
            "clean_import_s": round(t_clean, 2),
            "known_pages_run_s": round(t_known, 2),
            "kills_planned": args.kills,
            "kills_done": sum(1 for k in kills if k["killed"]),
            "kills_by_timer": sum(1 for k in kills if k["killed"] and k["kind"] == "timer"),
            "kills_by_point": sum(1 for k in kills if k["killed"] and k["kind"] == "point"),
            "kills_during_ingest": sum(1 for k in kills if k["killed"] and k["stored"] < total),
            "runs_that_finished_before_their_kill": sum(1 for k in kills if not k["killed"]),
            "lost": result["lost"],
            "duplicated": result["duplicated_urls"] + result["duplicated_pairs"],
            "stories_identical": result["stories"]["identical"],
            "consistent": not problems,
            "problems": problems,
            "comparison": result,
            "runs": kills,
        }
        out = args.out or os.path.join(
            ROOT, "bench", "out", "crash_kills.json" if args.corpus == "shared" else f"crash_kills-{args.corpus}.json"
        )
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
        print(json.dumps({k: v for k, v in summary.items() if k not in ("runs", "comparison")}, indent=2))
        print(json.dumps({"stories": result["stories"], "related": result["related"], "check": result["check"]},
                         indent=2))
        print(f"written to {out}", file=sys.stderr)
        return 0 if not problems else 1
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
