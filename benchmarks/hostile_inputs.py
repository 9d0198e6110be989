#!/usr/bin/env python3
"""Time on hostile shapes of input: long runs that make a careless pattern or loop quadratic.

  python benchmarks/hostile_inputs.py [--kb 200] [--limit 10]

Each shape (a run of spaces, of "(", of quotes, of hyphen-broken lines, of author bullets,
a numbered list of 30,000 items, 100,000 "[1] " markers, LaTeX accents, ...) is built at
--kb kilobytes and read in-process by the pasted-text parser (both modes) or by the reader of
its format. A shape that takes more than --limit seconds is marked SLOW and the exit code is
1. Fuzzing (`fuzz_readers.py`) finds crashes on small inputs; this finds time that grows
faster than the input.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from refmill.errors import RefmillError  # noqa: E402
from refmill.formats import READERS  # noqa: E402
from refmill.parsing import parse_text  # noqa: E402


def pasted(n: int) -> dict[str, str]:
    """Pasted-text shapes of about n characters."""
    return {
        "spaces": " " * n + "x",
        "tabs": "\t" * n + "x",
        "non-breaking spaces": "\u00a0" * n + "x",
        "dots": "." * n,
        "dashes": "-" * n,
        "open brackets": "(" * n,
        "quotes": '"' * n,
        "digits": "1" * n,
        "ellipses": "…" * n,
        "'a. ' repeated": "a. " * (n // 3),
        "commas": ", " * (n // 2),
        "initials": "A. " * (n // 3),
        "names": "Smith J, " * (n // 9),
        "et al.": "et al. " * (n // 7),
        "years": "2001; " * (n // 6),
        "page ranges": "pp. 1-2 " * (n // 8),
        "bracket markers": "[1] " * (n // 4),
        "a long URL": "http://" + "a/" * (n // 2),
        "a long DOI": "10.1000/" + "a" * n,
        "hyphen-broken lines": "immuno-\n" * (n // 8),
        "author bullets": "• A B\n" * (n // 6),
        "numbered list": "".join(f"{i}. x\n" for i in range(n // 7)),
        "one reference repeated": 'Smith J. (2001) "T" J. 1(2):3-4. ' * (n // 32),
        "chrome labels": "Google Scholar " * (n // 15) + "x",
        "pipes": "| " * (n // 2) + "x",
        "glued labels": "a" + "View PDF" * (n // 8) + "x",
        "glued labels ending in one": "a." + "PubMed" * (n // 6) + "Google Scholar",
    }


def bibtex_shapes(n: int) -> dict[str, str]:
    return {
        "BibTeX: open braces": "@article{a, title={" + "{" * n + "}",
        "BibTeX: balanced braces": "@article{a, title={" + "{" * (n // 2) + "}" * (n // 2) + "}}",
        "BibTeX: backslashes": "@article{a, title={" + "\\" * n + "}}",
        "BibTeX: accents": "@article{a, title={" + '\\"{o}' * (n // 5) + "}}",
        "BibTeX: math": "@article{a, title={" + "$x$" * (n // 3) + "}}",
        "BibTeX: at signs": "@" * n,
        "BibTeX: many fields": "@article{a," + "x = {y}," * (n // 8) + "}",
        "BibTeX: many authors": "@article{a, author={" + " and ".join(["Smith, J."] * (n // 14)) + "}, title={T}}",
    }


def ris_shapes(n: int) -> dict[str, str]:
    return {
        "RIS: many authors": "TY  - JOUR\n" + "AU  - Smith, J.\n" * (n // 16) + "ER  - \n",
        "RIS: a long line": "TY  - JOUR\nTI  - " + "a " * (n // 2) + "\nER  - \n",
    }


def csl_shapes(n: int) -> dict[str, str]:
    return {
        "CSL-JSON: deep brackets": "[" * n,
        "CSL-JSON: many authors": '[{"id":"a","author":[' + ",".join(['{"family":"S","given":"J"}'] * (n // 27)) + "]}]",
    }


def medline_shapes(n: int) -> dict[str, str]:
    return {"MEDLINE: many authors": "PMID- 1\nTI  - T\n" + "FAU - Smith, John\n" * (n // 18)}


def endnote_shapes(n: int) -> dict[str, str]:
    return {"EndNote XML: deep nesting": "<xml><records>" + "<record>" * (n // 8)}


def timed(call) -> float:
    start = time.perf_counter()
    try:
        call()
    except RefmillError:  # a clear error is a fine answer here; only the time is measured
        pass
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=200)
    ap.add_argument("--limit", type=float, default=10.0)
    args = ap.parse_args()
    n = args.kb * 1000
    rows = []
    for name, text in pasted(n).items():
        rows.append((name, "parse", timed(lambda: parse_text(text, "x"))))
        rows.append((name, "parse --one-per-line", timed(lambda: parse_text(text, "x", one_per_line=True))))
    for shapes, fmt in ((bibtex_shapes, "bibtex"), (ris_shapes, "ris"), (csl_shapes, "csl-json"),
                        (medline_shapes, "medline"), (endnote_shapes, "endnote-xml")):
        for name, text in shapes(n).items():
            rows.append((name, f"read {fmt}", timed(lambda: READERS[fmt](text, "x"))))
    print(f"| shape ({args.kb} KB) | path | seconds |\n|---|---|---:|")
    slow = 0
    for name, path, seconds in rows:
        flag = " SLOW" if seconds > args.limit else ""
        slow += bool(flag)
        print(f"| {name} | {path} | {seconds:.2f}{flag} |")
    print(f"slowest: {max(r[2] for r in rows):.2f} s; over {args.limit:g} s: {slow}")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
