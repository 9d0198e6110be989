"""Dedupe accuracy on the labelled systematic-review sets in ../shared/data/dedupe/.

Usage:
    .venv/bin/python benchmarks/dedupe_accuracy.py [--data DIR] [--show-errors] [SET ...]

Scoring as the sets' README says: within each found cluster of n records spanning k true
clusters, n - k duplicates were rightly removed (true positives) and k - 1 unique records
were wrongly removed (false positives, "wrong merges"); every true duplicate not removed is a
false negative. Records with an empty or placeholder title (`*.untitled.json`) are left out.
Pairwise figures count record pairs put together.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from refmill import dedupe
from refmill.formats import ris

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "dedupe"
SETS = ("stroke", "haematology")


def load(data: Path, name: str):
    records, problems = ris.read((data / f"{name}.ris").read_text(encoding="utf-8"), f"{name}.ris")
    if problems:
        raise SystemExit(f"{name}.ris: {problems[0]}")
    truth = json.loads((data / f"{name}.truth.json").read_text())
    untitled = set(json.loads((data / f"{name}.untitled.json").read_text()))
    return [r for r in records if r.id not in untitled], truth


def pairs(groups) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for g in groups for p in combinations(g, 2)}


def score(records, truth, result) -> dict:
    keys = [r.id for r in records]
    true_groups = defaultdict(list)
    for k in keys:
        true_groups[truth[k]].append(k)
    duplicates = sum(len(g) - 1 for g in true_groups.values())
    tp = fp = 0
    for c in result.clusters:
        k = len({truth[key] for key in c.keys})
        tp += len(c.keys) - k
        fp += k - 1
    fn = duplicates - tp
    found, real = pairs(c.keys for c in result.clusters), pairs(true_groups.values())
    ptp = len(found & real)
    sens = tp / duplicates if duplicates else 1.0
    prec = tp / (tp + fp) if tp + fp else 1.0
    pprec = ptp / len(found) if found else 1.0
    prec_rec = ptp / len(real) if real else 1.0
    return {
        "records": len(keys),
        "duplicates": duplicates,
        "removed": tp + fp,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "sensitivity": sens,
        "precision": prec,
        "f1": 2 * sens * prec / (sens + prec) if sens + prec else 0.0,
        "pair_f1": 2 * pprec * prec_rec / (pprec + prec_rec) if pprec + prec_rec else 0.0,
    }


def missed_by_reason(records, truth, result) -> Counter:
    """Why each missed duplicate was kept apart: the veto (or "too little evidence") between
    its part of a true cluster and the nearest other part."""
    profiles = {p.key: p for p in dedupe.profiles_of(records)}
    placed = {k: i for i, c in enumerate(result.clusters) for k in c.keys}
    groups = defaultdict(lambda: defaultdict(list))
    for r in records:
        groups[truth[r.id]][placed.get(r.id, r.id)].append(r.id)
    reasons: Counter = Counter()
    for parts in groups.values():
        parts = sorted(parts.values())
        for part in parts[1:]:
            d = dedupe.decide(profiles[parts[0][0]], profiles[part[0]])
            reasons[d.reason if d.verdict == "distinct" and d.reason else "too little evidence"] += 1
    return reasons


def show_errors(records, truth, result) -> None:
    """Print wrong merges and missed duplicates with the fields that decided them."""
    by_key = {r.id: r for r in records}
    profiles = {p.key: p for p in dedupe.profiles_of(records)}
    placed = {k: i for i, c in enumerate(result.clusters) for k in c.keys}

    def line(k):
        r = by_key[k]
        who = "; ".join(n.display() for n in r.author[:3])
        return (f"    {k} | {who} | {r.year} | {r.title[:90]} | {r.get('container-title')[:35]} "
                f"| v{r.get('volume')} i{r.get('issue')} p{r.get('page')} | {r.doi}")

    print("wrong merges:")
    for c in result.clusters:
        if len({truth[k] for k in c.keys}) > 1:
            print(f"  {c.reason} ({c.score})")
            for k in c.keys:
                print(f"  {truth[k][-4:]}" + line(k))
    print("missed duplicates:")
    true_groups = defaultdict(list)
    for k in by_key:
        true_groups[truth[k]].append(k)
    for group in true_groups.values():
        found = {placed.get(k, k) for k in group}
        if len(found) > 1:
            a, b = group[0], group[1]
            d = dedupe.decide(profiles[a], profiles[b])
            print(f"  {d.verdict} {d.reason!r} {d.score} t={dedupe.title_similarity(profiles[a], profiles[b])} "
                  f"au={dedupe.author_similarity(profiles[a], profiles[b])}")
            for k in group:
                print(line(k))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", default=list(SETS))
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--show-errors", action="store_true")
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"no data folder {args.data}", file=sys.stderr)
        return 2
    print("| set | records | duplicates | removed | sensitivity | precision | F1 | wrong merges | pairwise F1 | time (s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    notes = []
    for name in args.sets:
        records, truth = load(args.data, name)
        start = time.perf_counter()
        result = dedupe.find_duplicates(records)
        elapsed = time.perf_counter() - start
        s = score(records, truth, result)
        print(f"| {name} | {s['records']:,} | {s['duplicates']} | {s['removed']} | {s['sensitivity']:.4f} | "
              f"{s['precision']:.4f} | {s['f1']:.4f} | {s['fp']} | {s['pair_f1']:.4f} | {elapsed:.2f} |")
        why = missed_by_reason(records, truth, result)
        notes.append(f"{name}, missed duplicates kept apart by: " + ", ".join(f"{r} {n}" for r, n in why.most_common()))
        if args.show_errors:
            show_errors(records, truth, result)
    print()
    print("\n".join(notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
