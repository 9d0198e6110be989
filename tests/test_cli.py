"""The command-line contract: streams, formats, exit codes, bad input."""
from __future__ import annotations

import json

import pytest

from conftest import DATA

KORKMAZ = DATA / "korkmaz-2023-transfus-apher-sci.txt"
BLOOD = DATA / "rampotas-roddie-2025-blood.txt"
LINE = "Malard F, Mohty M. Acute lymphoblastic leukaemia. Lancet. 2020;395(10230):1146-62.\n"


def test_parse_prints_jsonl_when_stdout_is_not_a_terminal(invoke):
    result = invoke(["parse", BLOOD])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(l) for l in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["rampotas2025present"]
    assert records[0]["DOI"] == "10.1182/blood.2023022922"
    assert result.stderr == ""


def test_parse_bibtex(invoke):
    result = invoke(["parse", BLOOD, "--format", "bibtex"])
    assert result.exit_code == 0
    assert result.stdout.startswith("@article{rampotas2025present,\n  author = {Rampotas, Alexandros and Roddie, Claire},")
    assert "refmill-" not in result.stdout  # refmill's own bookkeeping stays in the library


def test_parse_reads_stdin_only_when_given_dash(invoke):
    result = invoke(["parse", "-", "--format", "ris"], input=LINE)
    assert result.exit_code == 0
    assert "TY  - JOUR" in result.stdout and "AU  - Malard, F." in result.stdout
    no_input = invoke(["parse"], input=LINE)
    assert no_input.exit_code == 2 and "no input given" in no_input.stderr and no_input.stdout == ""


def test_one_per_line_marks_unreadable_lines_and_exits_3(invoke, tmp_path):
    src = tmp_path / "refs.txt"
    src.write_text(LINE + "not a reference at all\n")
    result = invoke(["parse", "--one-per-line", src, "--format", "jsonl"])
    assert result.exit_code == 3
    lines = [json.loads(l) for l in result.stdout.splitlines()]
    assert len(lines) == 2 and lines[1]["custom"]["raw"] == "not a reference at all"
    assert f"{src}:2: not read as a reference" in result.stderr


def test_a_numbered_item_that_does_not_read_is_kept_with_its_text_in_the_note(invoke, tmp_path):
    """In a numbered list every item is a reference: one that cannot be read is kept, its
    words in the note (which BibTeX carries), and named on stderr with exit 3."""
    src = tmp_path / "refs.txt"
    src.write_text("1. " + LINE + "2. Personal communication, J. Okafor, 2019.\n3. " + LINE)
    result = invoke(["parse", src, "--format", "bibtex"])
    assert result.exit_code == 3
    assert "Personal communication, J. Okafor, 2019." in result.stdout
    assert result.stdout.count("@") == 3
    assert result.stderr.strip().endswith(f"{src}:2: not read as a reference; kept as raw text in the note")


def test_output_file_takes_its_format_from_the_extension(invoke, tmp_path):
    out = tmp_path / "refs.ris"
    result = invoke(["parse", BLOOD, "-o", out])
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("TY  - JOUR")


def test_import_export_and_second_import_adds_nothing(invoke, tmp_path):
    lib = tmp_path / "lib.bib"
    first = invoke(["import", KORKMAZ, BLOOD, "--library", lib])
    assert first.exit_code == 0, first.stderr
    assert "35 added" in first.stderr
    before = lib.read_bytes()
    second = invoke(["import", KORKMAZ, BLOOD, "--library", lib])
    assert second.exit_code == 0 and "0 added, 35 already there" in second.stderr
    assert lib.read_bytes() == before
    exported = invoke(["export", "--library", lib, "--format", "csl-json"])
    assert exported.exit_code == 0
    assert len(json.loads(exported.stdout)) == 35


def test_library_from_environment(invoke, tmp_path, monkeypatch):
    lib = tmp_path / "env.bib"
    monkeypatch.setenv("REFMILL_LIBRARY", str(lib))
    assert invoke(["import", BLOOD]).exit_code == 0
    assert invoke(["export", "--format", "keys"]).stdout == "rampotas2025present\n"


def test_import_of_other_formats(invoke, tmp_path):
    bib = tmp_path / "a.bib"
    bib.write_text("@article{smith2020, author={Smith, John}, title={A title}, journal={J}, year={2020}}\n")
    ris = tmp_path / "b.ris"
    ris.write_text("TY  - JOUR\nAU  - Doe, Jane\nTI  - Another\nPY  - 2019\nER  - \n")
    js = tmp_path / "c.json"
    js.write_text(json.dumps([{"id": "x1", "type": "book", "title": "A book", "issued": {"date-parts": [[2001]]}}]))
    lib = tmp_path / "lib.bib"
    result = invoke(["import", bib, ris, js, "--library", lib])
    assert result.exit_code == 0, result.stderr
    keys = invoke(["export", "--library", lib, "--format", "keys"]).stdout.split()
    assert keys == ["smith2020", "doe2019another", "x1"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file (a PNG image)"),
        (b"abc\x00\x01\x02def", "not a text file (it contains NUL bytes)"),
        (b"Caf\xe9 au lait\n", ":1: not UTF-8 (byte 0xe9); pass --encoding"),
        (b"", "empty input"),
    ],
    ids=["image", "binary", "latin-1", "empty"],
)
def test_bad_input_is_one_line_exit_2_and_the_library_is_untouched(invoke, tmp_path, content, message):
    lib = tmp_path / "lib.bib"
    assert invoke(["import", BLOOD, "--library", lib]).exit_code == 0
    before = lib.read_bytes()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = invoke(["import", bad, "--library", lib])
    assert result.exit_code == 2
    assert message in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert lib.read_bytes() == before


def test_missing_file(invoke, tmp_path):
    result = invoke(["parse", tmp_path / "nope.txt"])
    assert result.exit_code == 2 and result.stderr == f"Error: {tmp_path / 'nope.txt'}: no such file\n"


def test_encoding_option_reads_legacy_text(invoke, tmp_path):
    src = tmp_path / "latin.txt"
    src.write_bytes(LINE.replace("Malard F", "Maléard F").encode("latin-1"))
    result = invoke(["parse", src, "--encoding", "latin-1", "--format", "jsonl"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["author"][0]["family"] == "Maléard"


def test_utf16_with_bom_is_read(invoke, tmp_path):
    src = tmp_path / "u16.txt"
    src.write_bytes(LINE.encode("utf-16"))
    result = invoke(["parse", src])
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "Acute lymphoblastic leukaemia"


def test_malformed_library_is_refused_not_overwritten(invoke, tmp_path):
    lib = tmp_path / "lib.bib"
    lib.write_text("@article{a, title={ok}}\n@article{b, title={unclosed\n")
    before = lib.read_bytes()
    result = invoke(["import", BLOOD, "--library", lib])
    assert result.exit_code == 2 and "malformed BibTeX" in result.stderr
    assert lib.read_bytes() == before


def test_internal_errors_have_no_traceback_without_debug(invoke, monkeypatch):
    import refmill.cli

    def boom(*a, **k):
        raise ValueError("kaboom")

    monkeypatch.setattr(refmill.cli, "read_records", boom)
    result = invoke(["parse", BLOOD])
    assert result.exit_code == 2
    assert result.stderr == "Error: internal error (ValueError: kaboom); rerun with --debug and report it\n"
