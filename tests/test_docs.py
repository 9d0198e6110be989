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


# --- the command reference: generated from the real help text, and complete ------------------


def test_readme_command_reference_matches_the_code():
    """`cog --check` fails when a command's help changed and the README was not regenerated."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, (
        f"README.md's command reference is out of date; run `cog -r README.md`\n{done.stdout}{done.stderr}"
    )


def test_the_command_reference_is_the_last_section():
    text = (ROOT / "README.md").read_text()
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    assert headings[-1] == "Command reference"


def test_every_command_has_a_summary_an_example_and_a_readme_entry():
    from refmill.cli import help_pages

    text = (ROOT / "README.md").read_text()
    reference = text[text.index("## Command reference"):]
    pages = list(help_pages())
    assert len(pages) > 10
    for path, command, help_text in pages:
        doc = command.help or ""
        summary = doc.strip().splitlines()[0] if doc.strip() else ""
        assert summary.endswith("."), f"`{path}` needs a one-line summary in its docstring"
        if "\nCommands:\n" in help_text:  # a group: its listing must not cut any summary short
            listing = help_text.split("\nCommands:\n", 1)[1]
            cut = [line.split()[0] for line in listing.splitlines() if line.rstrip().endswith("...")]
            assert not cut, f"shorten the first docstring line of {cut}: `{path} --help` cuts it"
        if path != "refmill":
            assert re.search(r"\x08\n\s+Examples?:\n", doc), f"`{path}` needs an example in a \\b block"
        assert f"### `{path}`" in reference, f"`{path}` is missing from the README's command reference"
