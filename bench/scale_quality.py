#!/usr/bin/env python3
"""What the story engine made of a synthetic stream, against the stream's truth.

bench/scale_gen.py writes truth.jsonl.gz beside its pages: each page's URL,
the story it was drawn for, and whether it is a wire copy (another outlet's
report, word for word). This script reads a data folder that imported those
pages (its ravenwire.sqlite, read-only) and prints one JSON object:

- stories: B-cubed precision, recall and F1 of the stored stories against the
  true ones, over the pages found in both (matched by canonical URL);
- wire_copies: how many true wire copies the store marks as a copy of
  something (recall), and how many of those name an original of the same
  true story;
- marked_copies: every page the store marks as a copy, and how many of them
  name an original of the same true story. The stream's reports of one
  story share most of their sentences, so a report that is not a wire copy
  may fairly be marked a near copy; the figure is for comparing builds, not
  a precision.

Usage: python3 bench/scale_quality.py DATA_DIR TRUTH.jsonl.gz
"""

import gzip
import json
import sqlite3
import sys
from collections import Counter, defaultdict


def b_cubed(truth, predicted):
    """B-cubed precision, recall and F1 of `predicted` against `truth`, both
    item -> cluster over the same items."""
    pairs = Counter((truth[i], predicted[i]) for i in truth)
    true_sizes = Counter(truth.values())
    predicted_sizes = Counter(predicted.values())
    precision = recall = 0.0
    for (t, p), n in pairs.items():
        precision += n * n / predicted_sizes[p]
        recall += n * n / true_sizes[t]
    items = len(truth)
    precision, recall = precision / items, recall / items
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    data, truth_path = sys.argv[1], sys.argv[2]
    truth_story, wire = {}, set()
    with gzip.open(truth_path, "rt") as f:
        for line in f:
            row = json.loads(line)
            truth_story[row["url"]] = row["story"]
            if row["wire_copy"]:
                wire.add(row["url"])
    db = sqlite3.connect(f"file:{data}/ravenwire.sqlite?mode=ro", uri=True)
    url_of = dict(db.execute("SELECT id, canonical_url FROM articles"))
    stored_story, copy_of = {}, {}
    for article, story, original in db.execute("SELECT article_id, story_id, copy_of FROM story_members"):
        url = url_of.get(article)
        if url in truth_story:
            stored_story[url] = story
            if original is not None:
                copy_of[url] = url_of.get(original)
    unknown = sum(1 for u in url_of.values() if u not in truth_story)
    truth = {u: truth_story[u] for u in stored_story}
    precision, recall, f1 = b_cubed(truth, stored_story)
    wire_here = [u for u in stored_story if u in wire]
    wire_marked = [u for u in wire_here if u in copy_of]
    same_story = lambda u: copy_of[u] in truth_story and truth_story[copy_of[u]] == truth_story[u]  # noqa: E731
    summary = {
        "data": data,
        "pages_scored": len(stored_story),
        "stored_pages_not_in_truth": unknown,
        "stories": {
            "true": len(set(truth.values())),
            "stored": len(set(stored_story.values())),
            "b3_precision": round(precision, 4),
            "b3_recall": round(recall, 4),
            "b3_f1": round(f1, 4),
        },
        "wire_copies": {
            "true": len(wire_here),
            "marked": len(wire_marked),
            "recall": round(len(wire_marked) / len(wire_here), 4) if wire_here else None,
            "original_in_same_story": sum(1 for u in wire_marked if same_story(u)),
        },
        "marked_copies": {
            "all": len(copy_of),
            "original_in_same_story": sum(1 for u in copy_of if same_story(u)),
        },
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
