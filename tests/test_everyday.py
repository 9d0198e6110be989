"""Everyday commands: show, remove, edit, tag, rekey, stats, completion.

Each runs against a copy of the committed refs.bib in tmp_path; stdout, stderr and the exit
code are checked separately, and the library file is re-read by bibtexparser itself.
"""
from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest

import refmill.cli
from refmill import config

from conftest import ROOT

PAGE = "korkmaz2023clinical"  # the Korkmaz page's own article; 33 references say it cited them
REF = "malard2020acute"
BLOOD = "rampotas2025present"


@pytest.fixture
def lib(tmp_path):
    path = tmp_path / "refs.bib"
    shutil.copy(ROOT / "refs.bib", path)
    return path


def entries_of(path: Path) -> dict:
    """The library as bibtexparser reads it: key -> {field: value}."""
    parsed = bibtexparser.parse_file(str(path))
    assert not parsed.failed_blocks
    return {e.key: {f.key: f.value for f in e.fields} for e in parsed.entries}


def cited_by(path: Path, key: str) -> int:
    return sum(fields.get("refmill-cited-by") == key for fields in entries_of(path).values())


@pytest.fixture
def editor(tmp_path, monkeypatch):
    """Set EDITOR to a script that runs `code` (a Python body with `path` and `text`)."""

    def make(code: str) -> Path:
        script = tmp_path / f"editor{len(list(tmp_path.glob('editor*')))}.py"
        script.write_text(
            "import sys, pathlib\npath = pathlib.Path(sys.argv[1])\ntext = path.read_text()\n" + code + "\n"
        )
        monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
        return script

    return make


# --- show ------------------------------------------------------------------------------------


def test_show_card(invoke, lib):
    result = invoke(["show", BLOOD, "--library", lib, "--format", "card"])
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert BLOOD in out.splitlines()[0]
    for text in ("The present and future of CAR T-cell therapy for adult B-cell ALL",
                 "Rampotas, Alexandros; Roddie, Claire", "journal  Blood", "vol. 145, no. 14, pp. 1485-1497",
                 "DOI      10.1182/blood.2023022922", "data/rampotas-roddie-2025-blood.txt:284"):
        assert text in out
    assert "\x1b[" not in out  # no colour without a terminal


def test_show_colours_only_when_forced_and_honours_no_color(invoke, lib, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = invoke(["show", BLOOD, "--library", lib, "--format", "card"]).stdout
    assert "\x1b[1;32m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    plain = invoke(["show", BLOOD, "--library", lib, "--format", "card"]).stdout
    assert "\x1b[1;32m" not in plain and "32m" not in plain


def test_show_defaults_to_jsonl_in_a_pipe_and_takes_any_format(invoke, lib):
    result = invoke(["show", REF, BLOOD, "--library", lib])
    assert result.exit_code == 0
    assert [json.loads(l)["id"] for l in result.stdout.splitlines()] == [REF, BLOOD]
    bib = invoke(["show", BLOOD, "--library", lib, "--format", "bibtex"]).stdout
    assert bibtexparser.parse_string(bib).entries[0]["doi"] == "10.1182/blood.2023022922"
    assert "refmill-" not in bib


def test_show_reads_keys_from_stdin(invoke, lib):
    result = invoke(["show", "-", "--library", lib, "--format", "keys"], input=f"{REF}\n{BLOOD}\n")
    assert result.exit_code == 0 and result.stdout == f"{REF}\n{BLOOD}\n"


def test_show_unknown_keys_exit_2_naming_them(invoke, lib):
    result = invoke(["show", REF, "nosuchkey", "other", "--library", lib])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: no keys nosuchkey, other in {lib}\n"
    typo = invoke(["show", "malard2020acut", "--library", lib])
    assert typo.stderr == f"Error: no key malard2020acut in {lib} (did you mean {REF}?)\n"


def test_show_without_keys_or_library(invoke, lib, tmp_path):
    assert invoke(["show", "--library", lib]).exit_code == 2
    missing = invoke(["show", REF, "--library", tmp_path / "none.bib"])
    assert missing.exit_code == 2 and "none.bib: no such library" in missing.stderr


# --- remove ----------------------------------------------------------------------------------


def test_remove_without_a_terminal_needs_yes(invoke, lib):
    before = lib.read_bytes()
    result = invoke(["remove", REF, "--library", lib])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "Error: not removing 1 entry without confirmation: there is no terminal to ask; pass --yes\n"
    assert lib.read_bytes() == before


def test_remove_yes(invoke, lib):
    result = invoke(["remove", REF, BLOOD, "--yes", "--library", lib])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"{lib}: removed {REF}, {BLOOD}; 33 left\n"
    assert REF not in entries_of(lib) and len(entries_of(lib)) == 33
    assert REF in entries_of(lib.with_name("refs.bib.bak"))


def test_remove_an_article_drops_the_links_to_it(invoke, lib):
    result = invoke(["remove", PAGE, "-y", "--library", lib])
    assert result.exit_code == 0
    assert "33 entries no longer say which removed entry cited them" in result.stderr
    assert cited_by(lib, PAGE) == 0


def test_remove_asks_at_a_terminal(invoke, lib, monkeypatch):
    monkeypatch.setattr(refmill.cli, "_interactive", lambda: True)
    no = invoke(["remove", REF, "--library", lib], input="n\n")
    assert no.exit_code == 0 and "Malard, F. et al. (2020) Acute lymphoblastic leukaemia" in no.stderr
    assert "Remove this entry from" in no.stderr and no.stderr.endswith("Nothing removed.\n")
    assert REF in entries_of(lib)
    yes = invoke(["remove", REF, "--library", lib], input="y\n")
    assert yes.exit_code == 0 and REF not in entries_of(lib)


def test_remove_with_an_unknown_key_removes_nothing(invoke, lib):
    before = lib.read_bytes()
    result = invoke(["remove", REF, "nosuchkey", "--yes", "--library", lib])
    assert result.exit_code == 2 and result.stderr == f"Error: no key nosuchkey in {lib}\n"
    assert lib.read_bytes() == before


# --- edit ------------------------------------------------------------------------------------


def test_edit_saves_a_valid_change(invoke, lib, editor):
    editor("path.write_text(text.replace('year = {2020}', 'year = {2021}'))")
    result = invoke(["edit", REF, "--library", lib], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"{lib}: {REF} updated\n"
    assert entries_of(lib)[REF]["year"] == "2021"
    assert not list((config.cache_dir() / "edits").iterdir())  # nothing left behind


def test_edit_without_changes_leaves_the_library_alone(invoke, lib, editor):
    editor("pass")
    before = lib.read_bytes()
    result = invoke(["edit", REF, "--library", lib])
    assert result.exit_code == 0 and result.stderr == f"No changes; {REF} left as it was.\n"
    assert lib.read_bytes() == before


def test_edit_shows_the_entry_as_the_library_holds_it(invoke, lib, editor, tmp_path):
    seen = tmp_path / "seen.bib"
    editor(f"pathlib.Path({str(seen)!r}).write_text(text)")
    invoke(["edit", BLOOD, "--library", lib])
    entry = bibtexparser.parse_string(seen.read_text()).entries
    assert [e.key for e in entry] == [BLOOD] and entry[0]["refmill-line"] == "284"


def test_a_broken_edit_is_refused_and_kept(invoke, lib, editor):
    editor("path.write_text(text.replace('title = {', 'title = {{') + '% my careful notes\\n')")
    before = lib.read_bytes()
    result = invoke(["edit", REF, "--library", lib])
    assert result.exit_code == 2 and result.stdout == "" and lib.read_bytes() == before
    (kept,) = (config.cache_dir() / "edits").iterdir()
    assert result.stderr == (
        f"Error: {kept}:1: not valid BibTeX (Unexpectedly reached end of file.); your edit is kept in {kept}:"
        f" fix it there and run `refmill edit {REF} --from {kept}`\n"
    )
    assert "% my careful notes" in kept.read_text()
    # fix the kept file and apply it
    kept.write_text(kept.read_text().replace("title = {{", "title = {"))
    applied = invoke(["edit", REF, "--from", kept, "--library", lib])
    assert applied.exit_code == 0, applied.stderr
    assert not kept.exists()


def test_a_broken_edit_can_be_edited_again_at_a_terminal(invoke, lib, editor, tmp_path, monkeypatch):
    monkeypatch.setattr(refmill.cli, "_interactive", lambda: True)
    count = tmp_path / "count"
    editor(
        f"n = pathlib.Path({str(count)!r})\nfirst = not n.exists()\nn.write_text('1')\n"
        "path.write_text(text.replace('title = {', 'title = {{') if first else text.replace('{{', '{').replace('year = {2020}', 'year = {2019}'))"
    )
    result = invoke(["edit", REF, "--library", lib], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "not valid BibTeX" in result.stderr and "Edit again?" in result.stderr
    assert entries_of(lib)[REF]["year"] == "2019"


def test_edit_can_rename_and_links_follow(invoke, lib, editor):
    editor(f"path.write_text(text.replace('{{{PAGE},', '{{korkmaz2023car,'))")
    result = invoke(["edit", PAGE, "--library", lib])
    assert result.exit_code == 0 and result.stderr == f"{lib}: {PAGE} updated and renamed to korkmaz2023car\n"
    assert cited_by(lib, "korkmaz2023car") == 33 and cited_by(lib, PAGE) == 0


@pytest.mark.parametrize(
    "code, message",
    [
        (f"path.write_text(text.replace('{{{REF},', '{{{BLOOD},'))", f"key '{BLOOD}' is already taken"),
        ("path.write_text(text + text.replace('@article{', '@article{second'))", "the edit holds 2 entries; keep exactly one"),
        ("path.write_text('')", "the edit holds 0 entries; keep exactly one (to delete the entry, use `refmill remove`)"),
    ],
    ids=["taken-key", "two-entries", "emptied"],
)
def test_edit_refusals_keep_the_edit(invoke, lib, editor, code, message):
    editor(code)
    before = lib.read_bytes()
    result = invoke(["edit", REF, "--library", lib])
    assert result.exit_code == 2 and message in result.stderr and "your edit is kept in" in result.stderr
    assert lib.read_bytes() == before
    assert len(list((config.cache_dir() / "edits").iterdir())) == 1


def test_edit_refuses_when_the_entry_changed_meanwhile(invoke, lib, editor, tmp_path):
    other = shlex.join([sys.executable, "-m", "refmill", "tag", REF, "+meanwhile", "--library", str(lib)])
    editor(f"import subprocess\nsubprocess.run({other!r}, shell=True, check=True)\n"
           "path.write_text(text.replace('2020', '2021'))")
    result = invoke(["edit", REF, "--library", lib])
    assert result.exit_code == 2 and "was changed in" in result.stderr and "your edit is kept in" in result.stderr
    assert entries_of(lib)[REF]["year"] == "2020" and entries_of(lib)[REF]["keywords"] == "meanwhile"


def test_a_failing_editor_is_an_error(invoke, lib, monkeypatch):
    monkeypatch.setenv("EDITOR", "false")
    result = invoke(["edit", REF, "--library", lib])
    assert result.exit_code == 2 and result.stderr.startswith("Error: false: Editing failed")


# --- tag -------------------------------------------------------------------------------------


def test_tag_adds_and_removes_in_keywords(invoke, lib):
    result = invoke(["tag", REF, BLOOD, "+review", "+CAR-T", "--library", lib])
    assert result.exit_code == 0 and result.stdout == ""
    assert f"{REF}: +review +CAR-T (tags: review, CAR-T)\n" in result.stderr
    assert entries_of(lib)[REF]["keywords"] == "review, CAR-T"
    again = invoke(["tag", REF, "+Review", "-car-t", "-unread", "--library", lib])  # no `--` needed
    assert again.exit_code == 0
    assert f"Warning: {REF} had no tag unread\n" in again.stderr
    assert entries_of(lib)[REF]["keywords"] == "review"


def test_tag_lists(invoke, lib):
    invoke(["tag", REF, BLOOD, "+review", "--library", lib])
    invoke(["tag", BLOOD, "+car t", "--library", lib])
    one = invoke(["tag", BLOOD, REF, "--library", lib])
    assert one.stdout == f"{BLOOD}\treview, car t\n{REF}\treview\n"
    every = invoke(["tag", "--library", lib])
    assert (every.exit_code, every.stdout) == (0, "review\t2\ncar t\t1\n")


def test_tag_refusals(invoke, lib):
    before = lib.read_bytes()
    bad = invoke(["tag", REF, "+a,b", "--library", lib])
    assert bad.exit_code == 2 and "not a tag: 'a,b'" in bad.stderr
    no_keys = invoke(["tag", "+review", "--library", lib])
    assert no_keys.exit_code == 2 and "name the entries to tag" in no_keys.stderr
    unknown = invoke(["tag", "nosuchkey", "+review", "--library", lib])
    assert unknown.exit_code == 2 and unknown.stderr == f"Error: no key nosuchkey in {lib}\n"
    assert lib.read_bytes() == before


# --- rekey -----------------------------------------------------------------------------------


def test_rekey_dry_run_prints_the_map_and_writes_nothing(invoke, lib):
    before = lib.read_bytes()
    result = invoke(["rekey", "--pattern", "[auth][year]", "--dry-run", "--library", lib])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == f"{PAGE} -> Korkmaz2023" and len(lines) == 35
    assert result.stderr == "35 keys would change; nothing was written (--dry-run)\n"
    assert lib.read_bytes() == before


def test_rekey_writes_and_keeps_links(invoke, lib):
    result = invoke(["rekey", "--pattern", "[auth:lower]-[year]", "--library", lib])
    assert result.exit_code == 0 and result.stderr == f"{lib}: 35 keys changed\n"
    keys = list(entries_of(lib))
    assert keys[0] == "korkmaz-2023" and len(set(keys)) == 35
    assert cited_by(lib, "korkmaz-2023") == 33
    assert f"{REF} -> malard-2020\n" in result.stdout
    back = invoke(["rekey", "--library", lib])  # the default pattern gives the old keys back
    assert back.exit_code == 0 and f"korkmaz-2023 -> {PAGE}\n" in back.stdout
    assert lib.read_bytes().replace(b"\r", b"") == (ROOT / "refs.bib").read_bytes().replace(b"\r", b"")


def test_rekey_some_keys_with_the_configured_pattern(invoke, lib):
    invoke(["config", "set", "citekey_pattern", "[auth:upper][shortyear]"])
    result = invoke(["rekey", REF, "--library", lib])
    assert (result.exit_code, result.stdout) == (0, f"{REF} -> MALARD20\n")
    assert "MALARD20" in entries_of(lib) and len(entries_of(lib)) == 35


def test_rekey_with_a_bad_pattern_changes_nothing(invoke, lib):
    before = lib.read_bytes()
    result = invoke(["rekey", "--pattern", "[who]", "--library", lib])
    assert result.exit_code == 2 and result.stderr.startswith("Error: citekey pattern '[who]': unknown field [who]")
    assert lib.read_bytes() == before


# --- stats -----------------------------------------------------------------------------------


def test_stats_json(invoke, lib):
    result = invoke(["stats", "--format", "json", "--library", lib])
    assert result.exit_code == 0 and result.stderr == ""
    data = json.loads(result.stdout)
    assert data["records"] == 35 and sum(data["years"].values()) == 35
    assert data["years"]["2020"] == 7 and list(data["years"])[0] == "2010"
    assert data["types"] == {"article-journal": 35}
    assert list(data["journals"].items())[:2] == [("Blood", 8), ("N Engl J Med", 5)]
    assert data["journals"]["Blood Adv."] == 2  # "Blood Adv" and "Blood Adv." are one journal
    assert list(data["authors"].items())[0] == ("Curran, K. J.", 4)


def test_stats_table_has_a_bar_per_year(invoke, lib):
    result = invoke(["stats", "--top", "3", "--library", lib])
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert out.startswith("35 records, 2010-2025\n") and "Publications per year" in out
    bars = {l.split()[0]: l.count("█") for l in out.splitlines() if l[:4].isdigit() and len(l.split()) >= 2}
    assert bars["2020"] == 40 and 0 < bars["2010"] < bars["2012"] < bars["2020"] and bars["2024"] == 0
    assert "... 17 more" in out and "Blood" in out and "\x1b[" not in out


# --- completion ------------------------------------------------------------------------------


@pytest.mark.parametrize("shell, marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef refmill"), ("fish", "complete --no-files --command refmill")])
def test_completion_prints_the_script(invoke, shell, marker):
    result = invoke(["completion", shell])
    assert result.exit_code == 0 and marker in result.stdout and "_REFMILL_COMPLETE" in result.stdout


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_offers_keys_from_the_library(runner, lib, shell, monkeypatch):
    from refmill.cli import cli

    line = f"refmill show --library {lib} mal"
    env = {"_REFMILL_COMPLETE": f"{shell}_complete", "COMP_WORDS": line, "COMP_CWORD": "4"}
    if shell == "fish":
        env["COMP_CWORD"] = "mal"
    result = runner.invoke(cli, [], prog_name="refmill", env=env)
    assert result.exit_code == 0
    assert REF in result.stdout and BLOOD not in result.stdout


def test_completion_offers_formats_commands_and_configured_library_keys(runner, lib):
    from refmill.cli import cli

    def complete(words: str, cword: int) -> list[str]:
        env = {"_REFMILL_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
        out = runner.invoke(cli, [], prog_name="refmill", env=env).stdout
        return [l.split(",", 1)[1] for l in out.splitlines()]

    assert complete("refmill export --format ", 3) == ["bibtex", "biblatex", "ris", "medline", "csl-json", "json", "jsonl", "keys", "table", "card"]
    assert complete("refmill re", 1) == ["rekey", "remove"]
    assert "--yes" in complete("refmill remove --", 2)
    config.write("library", str(lib))
    assert complete("refmill edit rampotas", 2) == [BLOOD]


def test_completion_in_a_real_bash(lib, tmp_path):
    exe = Path(sys.executable).with_name("refmill")
    bash = shutil.which("bash")
    if not exe.exists() or not bash:
        pytest.skip("needs bash and the installed refmill script")
    script = f"""
source <({exe} completion bash)
COMP_WORDS=(refmill tag --library {lib} rampo); COMP_CWORD=4
_refmill_completion refmill
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = {"PATH": f"{exe.parent}:/usr/bin:/bin", "REFMILL_CONFIG_DIR": str(tmp_path / "c"), "HOME": str(tmp_path)}
    done = subprocess.run([bash, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{BLOOD}\n"


# --- at a real terminal (a pseudo-terminal) ------------------------------------------------


def in_terminal(args: list, answer: str | None = None, env: dict | None = None) -> tuple[int, str]:
    """Run refmill with stdin, stdout and stderr on a pseudo-terminal; type `answer`."""
    pty = pytest.importorskip("pty")
    import os
    import select

    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update({"TERM": "xterm-256color", "COLUMNS": "100", **(env or {})})
    proc = subprocess.Popen([sys.executable, "-m", "refmill", *map(str, args)],
                            stdin=slave, stdout=slave, stderr=slave, env=full_env, close_fds=True)
    os.close(slave)
    out = b""
    typed = answer is None
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            proc.kill()
            raise AssertionError(f"no output for 30 s; so far: {out!r}")
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has finished
            break
        if not chunk:
            break
        out += chunk
        if not typed and b"[y/N]" in out:
            os.write(master, answer.encode())
            typed = True
    os.close(master)
    return proc.wait(timeout=30), out.decode("utf-8", errors="replace")


def test_show_draws_a_coloured_card_at_a_terminal(lib):
    code, out = in_terminal(["show", BLOOD, "--library", lib])
    assert code == 0 and "╭─" in out and "Rampotas, Alexandros; Roddie, Claire" in out
    assert "\x1b[1;32m" in out  # colour at a terminal ...
    code, plain = in_terminal(["show", BLOOD, "--library", lib], env={"NO_COLOR": "1"})
    assert code == 0 and "╭─" in plain and "32m" not in plain  # ... unless NO_COLOR


def test_remove_asks_at_a_real_terminal(lib):
    code, out = in_terminal(["remove", REF, "--library", lib], answer="y\n")
    assert code == 0 and "Remove this entry from" in out and f"removed {REF}; 34 left" in out
    assert REF not in entries_of(lib)


def test_progress_only_at_a_terminal(tmp_path, invoke):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        (inputs / f"{i}.bib").write_text(f"@article{{k{i}, title = {{T{i}}}, year = {{2020}}}}\n")
    piped = invoke(["import", inputs, "--library", tmp_path / "a.bib"])
    assert piped.exit_code == 0 and piped.stderr == f"{tmp_path / 'a.bib'}: 3 added, 0 already there, 3 in all\n"
    code, out = in_terminal(["import", inputs, "--library", tmp_path / "b.bib"])
    assert code == 0 and "Reading" in out and "3 added" in out
