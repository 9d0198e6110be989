#!/usr/bin/env python3
"""Peak memory (max RSS) of whole refmill processes on large inputs.

  python benchmarks/memory.py [--workdir /tmp/refmill-memory] [--mb 40] [--entries 100000]

1. A pasted file of about --mb MB (a numbered list of the references in
   ../shared/data/parse_train.jsonl, cycled): `refmill parse FILE --format jsonl`.
   Target: peak under 2 GB.
2. A library of --entries generated records (built once with `refmill import`), then every
   read command on it (export, search, dedupe, stats, ... where they exist).
   Target: each under 1 GB.
Each command runs in its own child process; its peak RSS comes from wait4's rusage.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
REFMILL = [sys.executable, "-m", "refmill"]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}


def run(args: list[str], stdin: str | None = None) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, seconds) of one child process."""
    start = time.perf_counter()
    # stderr goes to a file, not a pipe: a pipe nobody reads would stall a chatty command.
    with open(stdin or os.devnull, "rb") as inp, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(REFMILL + args, stdin=inp, stdout=subprocess.DEVNULL, stderr=err, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 3):
            err.seek(0)
            print(f"{' '.join(args)}: exit {code}: {err.read()[-500:].decode(errors='replace')}", file=sys.stderr)
    return code, usage.ru_maxrss / 1024, time.perf_counter() - start


def pasted_file(path: Path, megabytes: int) -> int:
    texts = [json.loads(l)["text"] for l in (SHARED / "data" / "parse_train.jsonl").open(encoding="utf-8")]
    size = n = 0
    with path.open("w", encoding="utf-8") as out:
        for text in itertools.cycle(texts):
            n += 1
            line = f"{n}. {text}\n"
            out.write(line)
            size += len(line.encode())
            if size >= megabytes * 1_000_000:
                return n
    return n


def library_input(path: Path, entries: int) -> None:
    rng = random.Random(7)
    words = "acute lymphoblastic leukemia chimeric antigen receptor therapy outcome adult children trial review cell".split()
    journals = ["Blood", "N Engl J Med", "Lancet", "J Clin Oncol", "Leukemia", "Nature Medicine"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(entries):
            rec = {
                "id": f"r{i}", "type": "article-journal",
                "title": " ".join(rng.choice(words) for _ in range(10)).capitalize() + f" {i}",
                "author": [{"family": f"Family{rng.randrange(20000)}", "given": "A. B."} for _ in range(rng.randint(1, 8))],
                "container-title": rng.choice(journals), "volume": str(rng.randint(1, 400)),
                "page": f"{rng.randint(1, 9000)}-{rng.randint(9001, 9999)}", "issued": {"date-parts": [[rng.randint(1950, 2025)]]},
                "DOI": f"10.{rng.randint(1000, 9999)}/x{i}",
            }
            out.write(json.dumps(rec) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", default="/tmp/refmill-memory")
    ap.add_argument("--mb", type=int, default=40)
    ap.add_argument("--entries", type=int, default=100_000)
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    pasted = work / "pasted.txt"
    n = pasted_file(pasted, args.mb)
    code, mb, sec = run(["parse", str(pasted), "--format", "jsonl"])
    rows.append((f"parse {args.mb} MB pasted ({n:,} references)", code, mb, sec, 2048))
    source = work / "library.jsonl"
    lib = work / "library.bib"
    if not lib.exists():
        library_input(source, args.entries)
        code, mb, sec = run(["import", str(source), "--library", str(lib)])
        rows.append((f"import {args.entries:,} records", code, mb, sec, 1024))
    for label, cmd in [
        ("export --format bibtex", ["export", "--format", "bibtex"]),
        ("export --format csl-json", ["export", "--format", "csl-json"]),
        ("search leukemia --count", ["search", "leukemia", "--count"]),
        ("search (warm) author:family1 --count", ["search", "author:family1", "--count"]),
        ("dedupe (report)", ["dedupe", "--format", "json"]),
        ("stats --format json", ["stats", "--format", "json"]),
    ]:
        code, mb, sec = run(cmd + ["--library", str(lib)])
        rows.append((label, code, mb, sec, 1024))
    print("| command | exit | peak RSS (MB) | seconds | target (MB) |")
    print("|---|---:|---:|---:|---:|")
    for label, code, mb, sec, target in rows:
        print(f"| {label} | {code} | {mb:,.0f} | {sec:.1f} | < {target:,} |")


if __name__ == "__main__":
    main()
