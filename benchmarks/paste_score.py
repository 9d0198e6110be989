#!/usr/bin/env python3
"""Accuracy of `refmill parse` on pasted pages: segmentation, per-field F1, chrome leaks.

  python benchmarks/paste_score.py [DIR]

Runs the shared scorer (../shared/tools/paste_score.py, read its docstring) on DIR
(default ../shared/data/paste_dev: six layouts, 40 references each, with gold records) with
this checkout's refmill, `python -m refmill parse --format jsonl FILE`, and prints its table.
Exit status 2 when the shared folder is absent.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED / "data" / "paste_dev"
    scorer = SHARED / "tools" / "paste_score.py"
    if not scorer.exists() or not folder.is_dir():
        print(f"needs {scorer} and {folder}", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, str(scorer), str(folder), "--", sys.executable, "-m", "refmill", "parse", "--format", "jsonl"]
    return subprocess.run(cmd, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
