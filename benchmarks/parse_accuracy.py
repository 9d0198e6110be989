#!/usr/bin/env python3
"""Field accuracy of `refmill parse --one-per-line` on the held-out part of the training data.

  python benchmarks/parse_accuracy.py [--by-source] [--show-errors FIELD[:N]]
                                      [--refextract PYTHON] [--limit N]

Held out: the references of ../shared/data/parse_train.jsonl whose text's SHA-1 starts with
hex digit 0 (the shipped model never saw them; see refmill.parsing.train). Their texts go
through `refmill parse --one-per-line --format jsonl` in a subprocess, the records through
../shared/tools/csl_adapt.py, and the result is scored by ../shared/tools/parse_score.py.

--refextract PYTHON runs the same texts through refextract installed in another Python
environment (never a refmill dependency), for comparison, and scores it the same way.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(SHARED / "tools"))

from csl_adapt import flat  # noqa: E402
from refmill.parsing.namelists import split_names  # noqa: E402
from refmill.parsing.train import held_out  # noqa: E402

# refextract's output -> the scorer's fields (run inside the other environment)
REFEXTRACT = r"""
import json, sys
from refextract import extract_references_from_string
for line in sys.stdin:
    line = line.rstrip("\n")
    try:
        refs = extract_references_from_string(line, is_only_references=True)
    except Exception as exc:  # a crash on one reference scores as an empty prediction
        refs = []
    out = {}
    for ref in refs:
        for key, value in ref.items():
            out.setdefault(key, value)
    fields = {}
    for src, dst in (("title", "title"), ("journal_title", "container-title"), ("journal_volume", "volume"),
                     ("journal_page", "page"), ("doi", "DOI"), ("publisher", "publisher")):
        if out.get(src):
            fields[dst] = out[src][0]
    year = out.get("journal_year") or out.get("year")
    if year:
        fields["year"] = year[0]
    print(json.dumps({"authors": out.get("author") or [], "fields": fields}))
"""


def refextract_fields(out: dict) -> dict:
    """refextract gives author lists as printed; refmill's own name splitter reads them
    (generous to refextract: its strings are scored as well as refmill reads names)."""
    fields = dict(out["fields"])
    names = [n for printed in out["authors"] for n in split_names(printed)[0]]
    if names:
        fields["author"] = [n.to_csl() for n in names]
    return fields


# CSL field -> its key in custom["field-confidence"]
CONFIDENCE_KEYS = {"author": "author", "title": "title", "container-title": "container-title", "year": "issued",
                   "volume": "volume", "issue": "issue", "page": "page", "publisher": "publisher"}


def confidence_report(rows: list[dict], records: list[dict]) -> None:
    """Are the fields refmill flags as low-confidence the wrong ones? (predicted fields only)"""
    import parse_score

    counts = {True: [0, 0], False: [0, 0]}  # flagged -> [fields, wrong]
    for row, rec in zip(rows, records):
        pred, gold = flat(rec), row["fields"]
        low = set((rec.get("custom") or {}).get("low-confidence") or [])
        for field, key in CONFIDENCE_KEYS.items():
            if field not in pred or field not in row.get("labeled", gold):
                continue
            wrong = parse_score.norm(field, pred[field]) != parse_score.norm(field, gold.get(field))
            counts[key in low][0] += 1
            counts[key in low][1] += wrong
    print("## confidence (predicted core fields)")
    print("| fields | n | wrong |")
    print("|---|---:|---:|")
    for flagged, (n, wrong) in counts.items():
        name = "flagged low-confidence" if flagged else "not flagged"
        print(f"| {name} | {n} | {wrong / n if n else 0:.1%} |")
    print()


def held_out_rows(limit: int | None) -> list[dict]:
    rows = []
    with open(SHARED / "data" / "parse_train.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if held_out(row["text"]):
                rows.append(row)
    return rows[:limit] if limit else rows


def run(cmd: list[str], text: str) -> tuple[list[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, input=text, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd[:4])} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return [l for l in proc.stdout.splitlines() if l.strip()], elapsed


def score(name: str, gold_path: str, rows: list[dict], preds: list[dict], args) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for row, fields in zip(rows, preds):
            fh.write(json.dumps({"id": row["id"], "fields": fields}, ensure_ascii=False) + "\n")
    cmd = [sys.executable, str(SHARED / "tools" / "parse_score.py"), gold_path, fh.name]
    if args.by_source:
        cmd.append("--by-source")
    if args.show_errors:
        cmd += ["--show-errors", args.show_errors]
    print(f"# {name}\n", flush=True)
    subprocess.run(cmd, check=True)
    os.unlink(fh.name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--by-source", action="store_true")
    ap.add_argument("--show-errors", metavar="FIELD[:N]")
    ap.add_argument("--refextract", metavar="PYTHON", help="a Python that has refextract installed")
    ap.add_argument("--limit", type=int, help="only the first N held-out references")
    args = ap.parse_args()
    rows = held_out_rows(args.limit)
    text = "".join(" ".join(r["text"].split()) + "\n" for r in rows)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        gold_path = fh.name
    try:
        lines, elapsed = run([sys.executable, "-m", "refmill", "parse", "--one-per-line", "--format", "jsonl", "-"], text)
        if len(lines) != len(rows):
            sys.exit(f"refmill gave {len(lines)} records for {len(rows)} lines")
        print(f"held out: {len(rows)} references; refmill: {len(rows) / elapsed:,.0f} references/s (whole process)\n")
        records = [json.loads(l) for l in lines]
        score("refmill", gold_path, rows, [flat(r) for r in records], args)
        confidence_report(rows, records)
        if args.refextract:
            lines, elapsed = run([args.refextract, "-c", REFEXTRACT], text)
            print(f"refextract: {len(rows) / elapsed:,.1f} references/s (whole process)\n")
            score("refextract", gold_path, rows, [refextract_fields(json.loads(l)) for l in lines], args)
    finally:
        os.unlink(gold_path)


if __name__ == "__main__":
    main()
