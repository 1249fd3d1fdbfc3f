#!/usr/bin/env python3
"""A synthetic news stream for the scale benchmark, made from the dev-set texts.

The sentences of the dev sets (../shared/bench: the clustering sets' full texts,
the extraction sets' gold texts) are pooled by topic: an ECB+ topic, a BASIL
story, or a handful of extraction texts. Stories are then drawn one after
another, each from one topic:

- a story's size follows a power law, P(size >= k) = k^-1.2, capped at
  --max-story (default n/50 within 10..600): about 60% singletons, one story in seven with 5 or
  more reports, one in a few hundred with 100 or more;
- a story has a core of its topic's sentences, with two invented names
  (a person, a place) put into them, and a lead sentence of its own; each
  report takes most of the core in order, sentences from the rest of the topic
  and a few from elsewhere, up to a length drawn between 300 and 1,500 words
  (log-normal, median about 600); one report in ten past the first is a wire
  copy of an earlier one, word for word, from another outlet;
- outlets: --outlets invented hostnames (default 300), their output skewed
  (Zipf, exponent 0.8);
- time: stories start as a Poisson stream over --days (default 180) from
  --start; a story's first report comes at its start, the others after
  exponential delays (mean 12 h × (1 + ln size): a day for a story of 3,
  3.7 days for one of 600). Pages come out in arrival order.

Each page is pre-rendered HTML: <html lang="en">, <title>, a canonical link,
article:published_time and og:site_name, <article><h1><p>... They are written
as WARC files (one gzip member per record, --per-file records a file,
default 10,000), which `ravenwire import` reads as a stream: generating a
million pages holds only the stories still open, never the pages.

The output is the same for the same --seed, --n and options.

Usage: python3 bench/scale_gen.py OUT_DIR [--n 100000] [--seed 1] [--per-file 10000]
                                  [--outlets 300] [--days 180] [--bench ../shared/bench]
Prints a JSON summary (pages, stories, story sizes, files, bytes) on stdout.
Beside the pages, truth.jsonl.gz gives each page's URL, its true story and
whether it is a wire copy (bench/scale_quality.py scores a run against it);
--truth-only writes that file alone, for pages made before it existed.
"""

import argparse
import datetime
import gzip
import hashlib
import heapq
import html
import io
import json
import math
import os
import random
import re
import sys
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BENCH = os.path.join(os.path.dirname(ROOT), "shared", "bench")

SIZE_EXPONENT = 1.2
OUTLET_EXPONENT = 0.8
MIN_WORDS, MAX_WORDS, MEDIAN_WORDS = 300, 1500, 600
COPY_SHARE = 0.10
EXTRACTION_TOPIC = 4  # extraction texts pooled per topic

SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
WORD = re.compile(r"\S+")

SYLLABLES = ("ka ren tor mal vi sen dra lo bek an ish ter ul mo gan rei "
             "sa fel dor it ve nor pa li co ru hal bri ost emb").split()
GIVEN = ("Anja Tomas Lena Marek Ines Pavel Rosa Emil Clara Jonas Vera Ilya Nora "
         "Felix Mira Oskar Lucia Henrik Dara Kemal Alma Ruben Sofia Teodor").split()
PLACE_ENDS = ["burg", "vik", "ford", "stad", "mouth", "ton", "dal", "ham", "wick", "port"]
OUTLET_WORDS = ("daily courier herald gazette post times chronicle wire ledger tribune "
                "observer monitor dispatch record star sentinel journal express bulletin "
                "review standard register mirror echo").split()
OUTLET_PLACES = ("north south east west river valley harbour coast lake hill bay "
                 "metro central capital prairie summit island delta border").split()
LEAD_TEMPLATES = [
    "{person} said in {place} on {day} that the matter was far from settled.",
    "Officials in {place} confirmed on {day} that {person} had been briefed.",
    "{person}, speaking in {place}, called the developments of {day} a turning point.",
    "Reporters in {place} were told on {day} that {person} would comment later.",
    "The events in {place} drew a statement from {person} on {day}.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def rng_for(seed, *parts):
    """A generator of its own for one story or report, so that each page depends
    only on the seed and its place in the stream."""
    digest = hashlib.sha256(":".join(str(p) for p in (seed, *parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def sentences_of(text):
    out = []
    for block in re.split(r"\n+", text):
        for s in SENTENCE_END.split(block.strip()):
            s = " ".join(s.split())
            n = len(s.split())
            if 6 <= n <= 60 and "?" not in s[:-1]:
                out.append(s)
    return out


def load_topics(bench):
    """Topics, each a list of sentences, from every dev-set text found."""
    topics = {}

    def add(key, text):
        if text:
            topics.setdefault(key, []).extend(sentences_of(text))

    clustering = os.path.join(bench, "clustering")
    for name in ("basil.jsonl", "ecbplus.jsonl"):
        path = os.path.join(clustering, name)
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                doc = json.loads(line)
                key = f"{name}:{doc.get('topic') or doc.get('story')}"
                text = doc.get("text", "")
                title = doc.get("title")
                if title and text.startswith(title):
                    text = text[len(title):]
                add(key, text)
    for name in ("extraction", "extraction-news"):
        path = os.path.join(bench, name, "ground-truth.json")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            gold = json.load(f)
        for i, key in enumerate(sorted(gold)):
            add(f"{name}:{i // EXTRACTION_TOPIC}", gold[key].get("articleBody", ""))
    pools = [sorted(set(s)) for _, s in sorted(topics.items()) if len(set(s)) >= 8]
    if not pools:
        sys.exit(f"no dev-set texts under {bench} (clustering/*.jsonl, extraction*/ground-truth.json)")
    return pools


def story_size(rng, cap):
    return min(cap, int(rng.random() ** (-1.0 / SIZE_EXPONENT)))


def invented_name(rng):
    stem = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return stem.capitalize()


class Outlets:
    def __init__(self, seed, count):
        rng = rng_for(seed, "outlets")
        self.hosts, self.names, seen = [], [], set()
        while len(self.hosts) < count:
            place, word = rng.choice(OUTLET_PLACES), rng.choice(OUTLET_WORDS)
            stem = invented_name(rng).lower()
            host = f"{stem}-{place}{word}.example"
            if host in seen:
                continue
            seen.add(host)
            self.hosts.append(host)
            self.names.append(f"The {stem.capitalize()} {place.capitalize()} {word.capitalize()}")
        weights = [1.0 / (rank + 1) ** OUTLET_EXPONENT for rank in range(count)]
        total, acc = sum(weights), 0.0
        self.cumulative = []
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)

    def pick(self, rng):
        x = rng.random()
        lo, hi = 0, len(self.cumulative) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.cumulative[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return lo


class Story:
    """What every report of one story shares; the reports are drawn from it."""

    def __init__(self, seed, number, pools, size):
        rng = rng_for(seed, "story", number)
        self.number = number
        self.size = size
        self.pool = pools[rng.randrange(len(pools))]
        self.person = f"{rng.choice(GIVEN)} {invented_name(rng)}"
        self.place = invented_name(rng) + rng.choice(PLACE_ENDS)
        core_size = min(len(self.pool), rng.randint(10, 22))
        self.core = [self.named(s, rng) for s in rng.sample(self.pool, core_size)]
        self.lead = rng.choice(LEAD_TEMPLATES).format(
            person=self.person, place=self.place, day=rng.choice(DAYS))
        words = self.core[0].rstrip(".!\"'”").split()
        self.title = f"{self.place}: " + " ".join(words[: rng.randint(6, 11)])
        self.reports = []  # bodies written so far, for wire copies
        # Larger stories run longer: the mean delay grows with the size.
        self.mean_delay_s = 12 * 3600 * (1 + math.log(size))

    def named(self, sentence, rng):
        """Puts one of the story's names in place of the first proper name past
        the sentence's first word, when there is one (and mostly there is)."""
        words = sentence.split()
        for i in range(1, len(words)):
            w = words[i]
            if w[:1].isupper() and w.isalpha() and len(w) > 3:
                words[i] = self.person.split()[1] if rng.random() < 0.5 else self.place
                return " ".join(words)
        return sentence

    def report(self, seed, index):
        rng = rng_for(seed, "report", self.number, index)
        if index > 0 and self.reports and rng.random() < COPY_SHARE:
            return rng.choice(self.reports), True
        target = int(math.exp(rng.gauss(math.log(MEDIAN_WORDS), 0.45)))
        target = max(MIN_WORDS, min(MAX_WORDS, target))
        body = [self.lead] + [s for s in self.core if rng.random() < 0.75]
        count = sum(len(s.split()) for s in body)
        extra = [s for s in rng.sample(self.pool, min(len(self.pool), 60)) if s not in self.core]
        while count < target:
            if extra and rng.random() < 0.8:
                sentence = extra.pop()
                if rng.random() < 0.3:
                    sentence = self.named(sentence, rng)
            else:
                other = rng.choice(self.all_pools)
                sentence = other[rng.randrange(len(other))]
            body.insert(rng.randint(1, len(body)), sentence)
            count += len(sentence.split())
        paragraphs, i = [], 0
        while i < len(body):
            step = rng.randint(1, 4)
            paragraphs.append(" ".join(body[i:i + step]))
            i += step
        if len(self.reports) < 4:
            self.reports.append(paragraphs)
        return paragraphs, False


def render(title, site, url, published, paragraphs):
    esc = html.escape
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)} - {esc(site)}</title>"
        f"<link rel=\"canonical\" href=\"{esc(url)}\">"
        f"<meta property=\"og:site_name\" content=\"{esc(site)}\">"
        f"<meta property=\"article:published_time\" content=\"{published}\">"
        "</head><body><nav><a href=\"/\">Home</a> <a href=\"/world\">World</a></nav>"
        f"<article><h1>{esc(title)}</h1>{body}</article>"
        f"<footer>{esc(site)}. Synthetic page for ravenwire's scale benchmark.</footer>"
        "</body></html>"
    ).encode()


def warc_record(headers, block):
    head = "WARC/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(block)}\r\n\r\n"
    return head.encode() + block + b"\r\n\r\n"


def stream(args, pools):
    """Yields (time, story, report index, copy flag, paragraphs) in arrival order."""
    cap = args.max_story or min(600, max(10, args.n // 50))
    # Sizes first (a list of ints), so that the stories' starts spread over
    # --days whatever the heavy tail drew.
    sizer = rng_for(args.seed, "sizes")
    sizes, total = [], 0
    while total < args.n:
        sizes.append(story_size(sizer, cap))
        total += sizes[-1]
    rate = len(sizes) / (args.days * 86400)
    master = rng_for(args.seed, "master")
    pending = []  # (time, story number, report index)
    open_stories = {}
    t = 0.0
    emitted = 0
    for number, size in enumerate(sizes):
        t += master.expovariate(rate)
        story = Story(args.seed, number, pools, size)
        story.all_pools = pools
        open_stories[number] = [story, size]
        delays = rng_for(args.seed, "delays", number)
        heapq.heappush(pending, (t, number, 0))
        for index in range(1, size):
            heapq.heappush(pending, (t + delays.expovariate(1.0 / story.mean_delay_s), number, index))
        # Everything before this story's start is final: later stories start later.
        while pending and pending[0][0] <= t and emitted < args.n:
            yield from emit(args, pending, open_stories)
            emitted += 1
    while pending and emitted < args.n:
        yield from emit(args, pending, open_stories)
        emitted += 1


def emit(args, pending, open_stories):
    at, number, index = heapq.heappop(pending)
    entry = open_stories[number]
    story = entry[0]
    paragraphs, copy = story.report(args.seed, index)
    entry[1] -= 1
    if entry[1] == 0:
        del open_stories[number]
    yield at, story, index, copy, paragraphs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="folder for the WARC files (made if missing)")
    parser.add_argument("--n", type=int, default=100000, help="pages to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-file", type=int, default=10000, help="records per WARC file")
    parser.add_argument("--outlets", type=int, default=300)
    parser.add_argument("--days", type=float, default=180.0, help="time span of the stream")
    parser.add_argument("--start", default="2025-01-01", help="first day (UTC)")
    parser.add_argument("--max-story", type=int, default=0,
                        help="largest story size (default: n/50, at least 10, at most 600)")
    parser.add_argument("--bench", default=DEFAULT_BENCH, help="the dev sets' folder")
    parser.add_argument("--level", type=int, default=1, help="gzip level of each record")
    parser.add_argument("--truth-only", action="store_true",
                        help="write truth.jsonl.gz alone, not the pages (the same stream)")
    args = parser.parse_args()

    pools = load_topics(args.bench)
    outlets = Outlets(args.seed, args.outlets)
    start = datetime.datetime.fromisoformat(args.start).replace(tzinfo=datetime.timezone.utc)
    os.makedirs(args.out, exist_ok=True)
    files, out, written, total_bytes, words = [], None, 0, 0, 0
    sizes, copies, first_at, last_at = {}, 0, None, None
    used_outlets = set()
    # Each page's true story and whether it is a wire copy, for scoring what
    # the engine made of the stream (bench/scale_quality.py).
    truth = io.TextIOWrapper(gzip.GzipFile(os.path.join(args.out, "truth.jsonl.gz.part"), "wb", 6, mtime=0))
    for at, story, index, copy, paragraphs in stream(args, pools):
        if not args.truth_only and (out is None or written % args.per_file == 0):
            if out is not None:
                out.close()
            path = os.path.join(args.out, f"scale-{len(files):05d}.warc.gz")
            files.append(path)
            out = open(path + ".part", "wb")
        rng = rng_for(args.seed, "page", story.number, index)
        outlet = outlets.pick(rng)
        used_outlets.add(outlet)
        when = start + datetime.timedelta(seconds=at)
        published = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        slug = "-".join(re.sub(r"[^a-z0-9 ]", "", story.title.lower()).split()[:6])
        url = f"https://{outlets.hosts[outlet]}/{when:%Y/%m/%d}/{slug}-{written}"
        title = story.title if index == 0 or copy or rng.random() < 0.5 else \
            f"{story.title.split(':')[0]}: {story.person} {rng.choice(['speaks', 'responds', 'named', 'under scrutiny'])}"
        truth.write(json.dumps({"url": url, "story": story.number, "wire_copy": bool(copy)}) + "\n")
        written += 1
        words += sum(len(p.split()) for p in paragraphs)
        sizes[story.number] = sizes.get(story.number, 0) + 1
        copies += copy
        first_at = first_at or published
        last_at = published
        if args.truth_only:
            continue
        page = render(title, outlets.names[outlet], url, published, paragraphs)
        http = ("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                f"Content-Length: {len(page)}\r\n\r\n").encode() + page
        headers = [
            ("WARC-Type", "response"),
            ("WARC-Target-URI", url),
            ("WARC-Date", published),
            ("WARC-Record-ID", f"<urn:uuid:{uuid.UUID(int=rng.getrandbits(128))}>"),
            ("Content-Type", "application/http; msgtype=response"),
        ]
        record = gzip.compress(warc_record(headers, http), compresslevel=args.level, mtime=0)
        out.write(record)
        total_bytes += len(record)
    if out is not None:
        out.close()
    truth.close()
    os.replace(os.path.join(args.out, "truth.jsonl.gz.part"), os.path.join(args.out, "truth.jsonl.gz"))
    for path in files:
        os.replace(path + ".part", path)
    by_size = sorted(sizes.values())
    summary = {
        "pages": written,
        "stories": len(by_size),
        "singletons": sum(1 for s in by_size if s == 1),
        "stories_5_to_50": sum(1 for s in by_size if 5 <= s <= 50),
        "stories_over_100": sum(1 for s in by_size if s > 100),
        "largest_story": by_size[-1] if by_size else 0,
        "wire_copies": copies,
        "outlets": len(used_outlets),
        "mean_words": round(words / max(written, 1), 1),
        "first": first_at,
        "last": last_at,
        "files": len(files),
        "bytes": total_bytes,
        "seed": args.seed,
        "topics": len(pools),
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
