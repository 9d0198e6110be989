#!/usr/bin/env python3
"""How long everyday commands take on a large library, as whole processes.

  python benchmarks/everyday_speed.py [--n 5000] [--repeat 3]

Builds a library of --n entries from the committed refs.bib (its 35 entries repeated under
new keys) in a temporary folder, then times, as a user would wait for them: shell
completion of a key (a quick scan of the file), `show KEY` (parse the library), `tag KEY
+x` (parse, change, write atomically), `stats --format json`, `rekey --dry-run`. Reports the
median wall time of --repeat runs of each.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from refmill import library  # noqa: E402


def build(n: int, path: Path) -> str:
    seed = library.load(ROOT / "refs.bib")
    records = []
    for i in range(n):
        rec = seed[i % len(seed)]
        copy = type(rec)(**{**rec.__dict__, "id": f"{rec.id}{i:05d}", "custom": dict(rec.custom)})
        copy.custom.pop("cited-by", None)
        records.append(copy)
    library.save(path, records)
    return records[n // 2].id


def timed(args: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    exe = [sys.executable, "-m", "refmill"]
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "refs.bib"
        key = build(opts.n, lib)
        env = {**os.environ, "REFMILL_CONFIG_DIR": tmp, "REFMILL_CACHE_DIR": tmp, "REFMILL_LIBRARY": str(lib)}
        complete_env = {**env, "_REFMILL_COMPLETE": "bash_complete", "COMP_WORDS": f"refmill show {key[:8]}", "COMP_CWORD": "2"}
        rows = [
            ("`refmill --version` (start-up alone)", exe + ["--version"], env),
            ("completing a key (TAB after `refmill show`)", [sys.executable, "-c", "from refmill.cli import cli; cli(prog_name='refmill')"], complete_env),
            ("`refmill show KEY --format bibtex`", exe + ["show", key, "--format", "bibtex"], env),
            ("`refmill tag KEY +x` (load, change, atomic write)", exe + ["tag", key, "+x"], env),
            ("`refmill stats --format json`", exe + ["stats", "--format", "json"], env),
            ("`refmill rekey --dry-run`", exe + ["rekey", "--dry-run"], env),
        ]
        print(f"library: {opts.n} entries, {lib.stat().st_size / 1e6:.1f} MB; median of {opts.repeat} runs\n")
        print("| command | seconds |\n|---|---:|")
        for label, args, run_env in rows:
            print(f"| {label} | {timed(args, run_env, opts.repeat):.2f} |", flush=True)


if __name__ == "__main__":
    main()
