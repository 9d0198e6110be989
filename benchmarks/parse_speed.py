#!/usr/bin/env python3
"""References parsed per second, one core, model/rules loaded once per process.

  python benchmarks/parse_speed.py [--n 20000] [--cli]

Input: the `text` of the references in ../shared/data/parse_train.jsonl (cycled up to --n
lines), or, without the shared folder, the 33 Korkmaz references written Vancouver-style.
Measures `parse_text(..., one_per_line=True)` in-process; with --cli also the whole
`refmill parse --one-per-line --format jsonl` process on the same file.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from refmill.parsing import parse_text  # noqa: E402


def corpus(n: int) -> tuple[list[str], str]:
    train = SHARED / "data" / "parse_train.jsonl"
    if train.exists():
        texts = [json.loads(l)["text"] for l in train.open(encoding="utf-8")]
        where = str(train.relative_to(SHARED.parent)) if SHARED.parent in train.parents else str(train)
    else:
        from refmill.library import load

        texts = []
        for r in load(ROOT / "refs.bib")[1:34]:
            names = ", ".join(f"{a.family} {a.given.replace('.', '').replace(' ', '')}" for a in r.author)
            texts.append(f"{names}. {r.title}. {r.get('container-title')}. {r.year};{r.get('volume')}:{r.get('page')}.")
        where = "refs.bib (Vancouver-style)"
    texts = [t.replace("\n", " ") for t in texts if t.strip()]
    return list(itertools.islice(itertools.cycle(texts), n)), where


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--cli", action="store_true", help="also time the whole refmill process")
    args = ap.parse_args()
    lines, where = corpus(args.n)
    text = "\n".join(lines) + "\n"
    parse_text(lines[0], "warm-up", one_per_line=True)  # load rules/model once, as a process does
    start, cpu = time.perf_counter(), time.process_time()
    records, problems = parse_text(text, "bench", one_per_line=True)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert len(records) == len(lines)
    print(f"input: {len(lines)} references from {where}")
    print(f"in-process: {len(lines) / elapsed:,.0f} references/s ({elapsed:.2f} s; {len(problems)} lines not read);"
          f" per CPU second: {len(lines) / cpu:,.0f}")
    if args.cli:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write(text)
        try:
            cmd = [sys.executable, "-m", "refmill", "parse", "--one-per-line", "--format", "jsonl", f.name]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            out = proc.stdout.count("\n")
            print(f"whole process: {out / elapsed:,.0f} references/s ({elapsed:.2f} s, exit {proc.returncode});"
                  f" per CPU second: {out / cpu:,.0f}")
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    main()
