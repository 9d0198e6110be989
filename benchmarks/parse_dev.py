#!/usr/bin/env python3
"""Tune the tagger on the development slice, never on the held-out part.

  python benchmarks/parse_dev.py [--train] [--model PATH] [--by-source] [--show-errors FIELD[:N]]

The development slice is the references of ../shared/data/parse_train.jsonl whose text's SHA-1
starts with hex digit 1 (part of the training part; `refmill.parsing.train.dev_slice`).
--train first trains a model on the training part without that slice
(`python -m refmill.parsing.train --dev -o PATH`); then the slice is parsed in-process with
that model, exactly as `refmill parse --one-per-line` does, and scored by
../shared/tools/parse_score.py, with the tagger's token accuracy per label beside it.
Features, settings and post-processing are chosen by this figure; `parse_accuracy.py`
reports the shipped model on the held-out part.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(SHARED / "tools"))

import parse_score  # noqa: E402
from csl_adapt import flat  # noqa: E402
from refmill.parsing import parse_text, tagger  # noqa: E402
from refmill.parsing.train import _ws, dev_slice, held_out, labelled_corpus  # noqa: E402


def token_accuracy(data: Path) -> None:
    right, total = collections.Counter(), collections.Counter()
    for row, gold in labelled_corpus(data):
        if not dev_slice(row["text"]) or held_out(row["text"]):
            continue
        labels, _ = tagger.tag(tagger.tokenize(_ws(row["text"])))
        for g, p in zip(gold, labels):
            total[g] += 1
            right[g] += g == p
    n = sum(total.values())
    print(f"token accuracy {sum(right.values()) / n:.4f} over {n} tokens; by label: "
          + ", ".join(f"{k} {right[k] / v:.3f} ({v})" for k, v in total.most_common()))


def dev_predictions(data: Path, model: Path) -> tuple[dict, dict, float]:
    """The slice's gold rows by id, refmill's records for them in the scorer's form (parsed
    in-process with `model`, as `refmill parse --one-per-line` does), and the seconds it took."""
    tagger._MODEL = tagger._Model(model)
    with open(data / "parse_train.jsonl", encoding="utf-8") as fh:
        gold = {row["id"]: row for row in map(json.loads, fh) if dev_slice(row["text"])}
    rows = list(gold.values())
    start = time.perf_counter()
    records, _ = parse_text("".join(_ws(r["text"]) + "\n" for r in rows), "dev", one_per_line=True)
    elapsed = time.perf_counter() - start
    assert len(records) == len(rows)
    return gold, {row["id"]: {"fields": flat(rec.to_csl())} for row, rec in zip(rows, records)}, elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "build" / "tagger-dev.crfsuite")
    ap.add_argument("--train", action="store_true", help="train the model first (minutes)")
    ap.add_argument("--by-source", action="store_true")
    ap.add_argument("--show-errors", metavar="FIELD[:N]")
    args = ap.parse_args()
    data = SHARED / "data"
    if args.train:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "refmill.parsing.train", "--dev", "--data", str(data),
                        "-o", str(args.model)], check=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        print(f"trained in {time.perf_counter() - start:.0f} s")
    gold, pred, elapsed = dev_predictions(data, args.model)
    print(f"dev slice: {len(gold)} references, {len(gold) / elapsed:,.0f}/s in-process")
    token_accuracy(data)
    groups = [("all", gold)]
    if args.by_source:
        by = collections.defaultdict(collections.OrderedDict)
        for gid, row in gold.items():
            by[row["source"]][gid] = row
        groups += sorted(by.items())
    for name, part in groups:
        res, errors = parse_score.score(part, pred, parse_score.CORE)
        f = res["fields"]
        print(f"{name:14} n={res['n']:5} micro {f['micro(core)']['f1']:.4f}  "
              + " ".join(f"{k[:5]} {f[k]['f1']:.3f}" for k in parse_score.CORE) + f"  exact {res['exact']:.3f}")
        if name == "all" and args.show_errors:
            field, _, count = args.show_errors.partition(":")
            for gid, text, g, p in errors[field][: int(count or 20)]:
                print(f"  {text}\n    gold {json.dumps(g, ensure_ascii=False)}\n    pred {json.dumps(p, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
