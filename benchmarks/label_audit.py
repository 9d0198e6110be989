#!/usr/bin/env python3
"""How far the gold labels let the parser go: ceilings from a hand audit of its errors.

  python benchmarks/label_audit.py [--model PATH]          # figures from the committed audit
  python benchmarks/label_audit.py --list FIELD [-o FILE]  # the errors to audit, as JSON lines

Every disagreement between refmill and the gold of the development slice (SHA-1 digit 1 of
../shared/data/parse_train.jsonl, scored by ../shared/tools/parse_score.py with the model
trained without the slice, as `benchmarks/parse_dev.py` does) was judged by reading the
reference: `gold_wrong` (the gold is wrong, refmill right), `pred_wrong` (refmill is wrong),
`both_wrong`, or `ambiguous` (both readings defensible). The verdicts are in
`benchmarks/label_audit.jsonl`, keyed by record id and field, with a hash of both values so
that a verdict counts only while the error it judged is still there. Every author and title
error was judged; for the other fields, a random sample of 200 errors across all fields.

For each field the script prints the F1 now and two what-ifs on the same counts:
- *ceiling*: refmill gives the gold value wherever the gold is right, that is every error
  not judged gold_wrong, both_wrong or ambiguous is fixed (errors never judged count as
  fixable, so for sampled fields this is a loose upper bound);
- *against corrected gold*: the gold_wrong labels take refmill's value (what refmill scores
  against labels that are right).
The held-out part is never looked at: it is drawn by the same hash rule from the same file.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
AUDIT = ROOT / "benchmarks" / "label_audit.jsonl"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(SHARED / "tools"))


def value_key(value) -> str:
    return hashlib.sha1(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:10]


def dev_errors(model: Path):
    """(gold rows by id, parse_score's per-field results, its error lists) on the dev slice."""
    import parse_score
    from csl_adapt import flat
    from refmill.parsing import parse_text, tagger
    from refmill.parsing.train import _ws, dev_slice

    tagger._MODEL = tagger._Model(model)
    with open(SHARED / "data" / "parse_train.jsonl", encoding="utf-8") as fh:
        rows = [r for r in map(json.loads, fh) if dev_slice(r["text"])]
    records, _ = parse_text("".join(_ws(r["text"]) + "\n" for r in rows), "dev", one_per_line=True)
    gold = {r["id"]: r for r in rows}
    pred = {r["id"]: {"fields": flat(rec.to_csl())} for r, rec in zip(rows, records)}
    res, errors = parse_score.score(gold, pred, parse_score.CORE)
    return gold, res["fields"], errors


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "build" / "tagger-dev.crfsuite",
                    help="the model trained without the slice (benchmarks/parse_dev.py --train)")
    ap.add_argument("--list", metavar="FIELD", help="write the current errors of FIELD for auditing")
    ap.add_argument("-o", "--output", type=Path, help="with --list: the file (default stdout)")
    args = ap.parse_args()
    if not (SHARED / "data" / "parse_train.jsonl").exists():
        print(f"needs {SHARED}/data/parse_train.jsonl", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"needs {args.model}: run benchmarks/parse_dev.py --train first", file=sys.stderr)
        return 2
    gold, fields, errors = dev_errors(args.model)
    if args.list:
        out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
        for n, (gid, text, g, p) in enumerate(errors[args.list]):
            out.write(json.dumps({"n": n, "id": gid, "source": gold[gid]["source"], "field": args.list,
                                  "text": text, "gold": g, "pred": p}, ensure_ascii=False) + "\n")
        return 0

    verdicts = {}
    with AUDIT.open(encoding="utf-8") as fh:
        for v in map(json.loads, fh):
            verdicts[v["id"], v["field"]] = v
    print(f"dev slice: {len(gold)} references; audit: {AUDIT.relative_to(ROOT)} ({len(verdicts)} verdicts)")
    print("| field | F1 now | errors | judged | gold wrong | both wrong | ambiguous | refmill wrong "
          "| ceiling | against corrected gold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = collections.Counter()
    by_source = collections.defaultdict(collections.Counter)
    for field, errs in errors.items():
        r = fields[field]
        tp, fp, fn = r["tp"], r["fp"], r["fn"]
        counts = collections.Counter()
        up = [tp, fp, fn]  # refmill gives the gold value where the gold is right
        fixed = [tp, fp, fn]  # the wrong gold takes refmill's value
        for gid, _text, g, p in errs:
            v = verdicts.get((gid, field))
            kind = v["verdict"] if v and v["gold"] == value_key(g) and v["pred"] == value_key(p) else "not judged"
            counts[kind] += 1
            by_source[gold[gid]["source"]][kind] += 1
            has_g, has_p = g is not None, p is not None
            if kind in ("pred_wrong", "not judged"):
                up[0] += has_g; up[1] -= has_p; up[2] -= has_g
            if kind == "gold_wrong":
                fixed[0] += has_p; fixed[1] -= has_p; fixed[2] -= has_g
        totals.update({"tp": tp, "fp": fp, "fn": fn, "up_tp": up[0] - tp, "up_fp": up[1] - fp,
                       "up_fn": up[2] - fn, "fx_tp": fixed[0] - tp, "fx_fp": fixed[1] - fp, "fx_fn": fixed[2] - fn})
        judged = len(errs) - counts["not judged"]
        print(f"| {field} | {f1(tp, fp, fn):.3f} | {len(errs)} | {judged} | {counts['gold_wrong']} | "
              f"{counts['both_wrong']} | {counts['ambiguous']} | {counts['pred_wrong']} | "
              f"{f1(*up):.3f} | {f1(*fixed):.3f} |")
    t = totals
    print(f"| micro | {f1(t['tp'], t['fp'], t['fn']):.3f} | | | | | | | "
          f"{f1(t['tp'] + t['up_tp'], t['fp'] + t['up_fp'], t['fn'] + t['up_fn']):.3f} | "
          f"{f1(t['tp'] + t['fx_tp'], t['fp'] + t['fx_fp'], t['fn'] + t['fx_fn']):.3f} |")
    print("\nverdicts by source (errors of every field):")
    for source, c in sorted(by_source.items()):
        print(f"  {source:14} " + ", ".join(f"{k} {c[k]}" for k in
                                            ("gold_wrong", "both_wrong", "ambiguous", "pred_wrong", "not judged")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
