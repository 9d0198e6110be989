"""The README's two commands, and CI running exactly the README's test command."""
from __future__ import annotations

import re

from conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", text)


def test_readme_opens_with_the_two_commands():
    setup, tests = readme_commands()[:2]
    assert setup.endswith("refmill import data/ --library refs.bib")
    assert tests.endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci
