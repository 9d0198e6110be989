#!/usr/bin/env python3
"""How far the gold labels let the parser go: ceilings from a hand audit of its errors.

  python benchmarks/label_audit.py [--model PATH]               # figures from the committed audit
  python benchmarks/label_audit.py --list SET:FIELD [-o FILE]   # errors to audit, as JSON lines

Two sets: `dev`, the development slice (SHA-1 digit 1 of ../shared/data/parse_train.jsonl,
scored by ../shared/tools/parse_score.py with the model trained without the slice, as
`benchmarks/parse_dev.py` does), and `paste`, the pasted pages of ../shared/data/paste_dev
(`refmill parse` with the shipped model, records aligned to gold as
../shared/tools/paste_score.py does). Every disagreement with the gold was judged by reading
the reference: `gold_wrong` (the gold is wrong, refmill right), `pred_wrong` (refmill is wrong),
`both_wrong`, or `ambiguous` (both readings defensible). The verdicts are in
`benchmarks/label_audit.jsonl`, keyed by record id and field, with a hash of both values so
that a verdict counts only while the error it judged is still there. dev: every author and
title error, and a random sample of 200 errors of all fields; paste: every error.

For each field the script prints the F1 now and two what-ifs on the same counts:
- *ceiling*: refmill gives the gold value wherever the gold is right, that is every error
  not judged gold_wrong, both_wrong or ambiguous is fixed (errors never judged count as
  fixable, so for sampled fields this is a loose upper bound); *with ambiguous*: the same,
  and every ambiguous case goes the gold's way too;
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
    from parse_dev import dev_predictions

    gold, pred, _ = dev_predictions(SHARED / "data", model)
    res, errors = parse_score.score(gold, pred, parse_score.CORE)
    return gold, res["fields"], errors


def paste_errors():
    """The same for the pasted pages."""
    import glob
    import subprocess

    import parse_score
    import paste_score
    from csl_adapt import flat

    folder = SHARED / "data" / "paste_dev"
    gold, pred = {}, {}
    for path in sorted(glob.glob(str(folder / "*.gold.jsonl"))):
        layout = Path(path).name[: -len(".gold.jsonl")]
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        proc = subprocess.run([sys.executable, "-m", "refmill", "parse", "--format", "jsonl", str(folder / f"{layout}.txt")],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        records = [flat(json.loads(line)) for line in proc.stdout.splitlines() if line.startswith("{")]
        for gi, pi in paste_score.align(rows, records):
            pred[rows[gi]["id"]] = {"id": rows[gi]["id"], "fields": records[pi]}
        gold.update((r["id"], {**r, "source": layout}) for r in rows)
    res, errors = parse_score.score(gold, pred, parse_score.CORE)
    return gold, res["fields"], errors


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


KINDS = ("gold_wrong", "both_wrong", "ambiguous", "pred_wrong", "not judged")


def report(gold: dict, fields: dict, errors: dict, verdicts: dict) -> None:
    print("| field | F1 now | errors | judged | gold wrong | both wrong | ambiguous | refmill wrong "
          "| ceiling | with ambiguous | against corrected gold |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    now, up, amb, fixed = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    by_source = collections.defaultdict(collections.Counter)
    for field, r in fields.items():
        if "tp" not in r:  # the micro row
            continue
        errs = errors.get(field, [])
        base = collections.Counter(tp=r["tp"], fp=r["fp"], fn=r["fn"])
        u, a, x, counts = base.copy(), base.copy(), base.copy(), collections.Counter()
        for gid, _text, g, p in errs:
            v = verdicts.get((gid, field))
            kind = v["verdict"] if v and v["gold"] == value_key(g) and v["pred"] == value_key(p) else "not judged"
            counts[kind] += 1
            by_source[gold[gid]["source"]][kind] += 1
            has_g, has_p = g is not None, p is not None
            if kind in ("pred_wrong", "not judged"):  # refmill gives the gold value
                u["tp"] += has_g; u["fp"] -= has_p; u["fn"] -= has_g
            if kind in ("pred_wrong", "not judged", "ambiguous"):  # ... and wins every ambiguous case
                a["tp"] += has_g; a["fp"] -= has_p; a["fn"] -= has_g
            if kind == "gold_wrong":  # the gold takes refmill's value
                x["tp"] += has_p; x["fp"] -= has_p; x["fn"] -= has_g
        now.update(base); up.update(u); amb.update(a); fixed.update(x)
        print(f"| {field} | {f1(base['tp'], base['fp'], base['fn']):.3f} | {len(errs)} | "
              f"{len(errs) - counts['not judged']} | {counts['gold_wrong']} | {counts['both_wrong']} | "
              f"{counts['ambiguous']} | {counts['pred_wrong']} | {f1(u['tp'], u['fp'], u['fn']):.3f} | "
              f"{f1(a['tp'], a['fp'], a['fn']):.3f} | {f1(x['tp'], x['fp'], x['fn']):.3f} |")
    print(f"| micro | {f1(now['tp'], now['fp'], now['fn']):.3f} | | | | | | | {f1(up['tp'], up['fp'], up['fn']):.3f} | "
          f"{f1(amb['tp'], amb['fp'], amb['fn']):.3f} | {f1(fixed['tp'], fixed['fp'], fixed['fn']):.3f} |")
    print("verdicts by source (errors of every field):")
    for source, c in sorted(by_source.items()):
        print(f"  {source:14} " + ", ".join(f"{k} {c[k]}" for k in KINDS))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=ROOT / "build" / "tagger-dev.crfsuite",
                    help="the model trained without the slice (benchmarks/parse_dev.py --train)")
    ap.add_argument("--list", metavar="SET:FIELD", help="write the current errors of FIELD in SET (dev, paste)")
    ap.add_argument("-o", "--output", type=Path, help="with --list: the file (default stdout)")
    args = ap.parse_args()
    if not (SHARED / "data" / "parse_train.jsonl").exists():
        print(f"needs {SHARED}/data/parse_train.jsonl", file=sys.stderr)
        return 2
    if not args.model.exists():
        print(f"needs {args.model}: run benchmarks/parse_dev.py --train first", file=sys.stderr)
        return 2
    sets = {"dev": lambda: dev_errors(args.model), "paste": paste_errors}
    if args.list:
        name, _, field = args.list.partition(":")
        gold, _fields, errors = sets[name]()
        out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
        for n, (gid, text, g, p) in enumerate(errors[field]):
            out.write(json.dumps({"n": n, "id": gid, "source": gold[gid]["source"], "field": field,
                                  "text": text, "gold": g, "pred": p}, ensure_ascii=False) + "\n")
        return 0
    verdicts = {}
    with AUDIT.open(encoding="utf-8") as fh:
        for v in map(json.loads, fh):
            verdicts[v["id"], v["field"]] = v
    print(f"audit: {AUDIT.relative_to(ROOT)} ({len(verdicts)} verdicts)")
    for name, run in sets.items():
        gold, fields, errors = run()
        print(f"\n{name}: {len(gold)} references")
        report(gold, fields, errors, verdicts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
