#!/usr/bin/env python3
"""Fuzz every reader (and the pasted-text parser) for a fixed budget with hypothesis.

  python benchmarks/fuzz_readers.py [--seconds 300] [--seed 0]

Inputs: arbitrary bytes through `inputs.decode`, arbitrary text, and mutations of real-looking
inputs (BibTeX, RIS, CSL-JSON, MEDLINE, EndNote XML, pasted references) with bytes spliced in.
Only refmill's own errors (RefmillError) may escape; anything else is printed with the input
that caused it and the exit code is 1. What it finds becomes a test in tests/.
"""
from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from refmill.errors import RefmillError  # noqa: E402
from refmill.formats import READERS  # noqa: E402
from refmill.inputs import decode  # noqa: E402

SEEDS = [
    "@article{k, author={M{\\\"u}ller, J. and others}, title={{CAR} T}, journal={Blood}, year=2020, month=jan}\n",
    "@string{b = {Blood}}\n@article{x, journal=b, crossref={y}}\n@book{y, title={T}, date={2020-01}}\n",
    "TY  - JOUR\nAU  - Doe, J\nTI  - T\nPY  - 2020///\nSP  - 1\nEP  - 9\nER  - \n",
    '[{"id": "a", "type": "book", "author": [{"family": "X"}], "issued": {"date-parts": [["2020", 1]]}}]',
    '{"id": "a", "title": "T"}\n{"id": "b"}\n',
    "PMID- 123\nTI  - Title\n      continued\nFAU - Doe, John\nDP  - 2020 Jan\nSO  - Blood. 2020;1:2.\n\n",
    "<xml><records><record><titles><title>T</title></titles></record></records></xml>",
    "1. Maude SL, Frey N. Chimeric antigen receptor T cells. N Engl J Med. 2014;371:1507-17.\n",
    "  • Terwilliger T.\n  • et al.\nAcute lymphoblastic leukemia.\nBlood Cancer J. 2017; 7e577\nGoogle Scholar\n",
]

failures: list[str] = []


def check(text: str) -> None:
    for name, reader in READERS.items():
        try:
            reader(text, "fuzz")
        except RefmillError:
            pass
        except Exception:
            failures.append(f"{name} on {text[:300]!r}:\n{traceback.format_exc(limit=4)}")
            raise


spliced = st.tuples(st.sampled_from(SEEDS), st.integers(0, 400), st.text(max_size=20)).map(
    lambda t: t[0][: t[1]] + t[2] + t[0][t[1]:]
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    deadline = time.monotonic() + args.seconds
    runs = 0

    @settings(max_examples=10**9, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.binary(max_size=2000), st.text(max_size=2000).map(str.encode), spliced.map(str.encode)))
    def fuzz(data: bytes) -> None:
        nonlocal runs
        runs += 1
        if time.monotonic() > deadline:
            raise TimeoutError
        try:
            text = decode(data, "fuzz")
        except RefmillError:
            return
        check(text)

    import random

    random.seed(args.seed)
    try:
        fuzz()
    except TimeoutError:
        pass
    except Exception:
        pass
    print(f"inputs tried: {runs:,} in {args.seconds:g} s; failures: {len(failures)}")
    for f in failures[:5]:
        print(f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
