#!/usr/bin/env python3
"""Records read and written per second, by format, on the real exports in ../shared/data/exports.

  python benchmarks/format_speed.py [--repeat 3]

Reads every export file (best of --repeat runs per format, in-process, text already decoded),
then writes all records read in each output format and reads them back with refmill's reader.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
sys.path.insert(0, str(ROOT / "src"))

from refmill.formats import READERS, detect, write  # noqa: E402
from refmill.inputs import read_input  # noqa: E402


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = SHARED / "data" / "exports"
    if not folder.is_dir():
        sys.exit(f"{folder} is absent: this benchmark reads the shared exports")
    by_format: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(p for p in folder.glob("*/*") if p.is_file()):
        text = read_input(str(path)).text
        by_format.setdefault(detect(str(path), text), []).append((str(path), text))
    print("| reading | files | records | records/s |\n|---|---:|---:|---:|")
    everything = []
    for fmt, files in sorted(by_format.items()):
        records = [r for name, text in files for r in READERS[fmt](text, name)[0]]
        everything += records
        seconds = best(lambda: [READERS[fmt](text, name) for name, text in files], args.repeat)
        print(f"| {fmt} | {len(files)} | {len(records)} | {len(records) / seconds:,.0f} |")
    print(f"\n| {len(everything)} records | written/s | read back/s |\n|---|---:|---:|")
    for fmt in ("bibtex", "biblatex", "ris", "medline", "csl-json"):
        out = write(everything, fmt)
        reader = READERS["bibtex" if fmt == "biblatex" else fmt]
        w = best(lambda: write(everything, fmt), args.repeat)
        r = best(lambda: reader(out, "x"), args.repeat)
        print(f"| {fmt} | {len(everything) / w:,.0f} | {len(everything) / r:,.0f} |")


if __name__ == "__main__":
    main()
