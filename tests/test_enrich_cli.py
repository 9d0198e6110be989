"""refmill enrich, refmill add and parse --enrich, end to end against a local Crossref."""
from __future__ import annotations

import json
import socket

import pytest

from crossref_support import (  # noqa: F401 (fixtures)
    BLOOD_DOI, MALARD, MALARD_TRAP, _server, crossref, serve_standard,
)
from refmill import library
from refmill.formats import bibtex

LIBRARY = f"""@article{{rampotas2025present,
  author = {{Rampotas, Alexandros and Roddie, Claire}},
  title = {{The present and future of CAR T-cell therapy for adult B-cell ALL}},
  journal = {{Blood}},
  year = {{2025}},
  volume = {{145}},
  doi = {{{BLOOD_DOI}}},
}}
"""


@pytest.fixture
def lib3(tmp_path):
    """A library with a record that has a DOI, a reference to match and a trap."""
    path = tmp_path / "refs.bib"
    from refmill.formats import read

    records, _ = read(MALARD + "\n" + MALARD_TRAP + "\n", "refs.txt", "lines")
    held = bibtex.read(LIBRARY, "x")[0]
    library.add_records(held, records)
    library.save(path, held)
    return path


def run(invoke, crossref, *args):
    return invoke(list(args) + ["--crossref-url", crossref.url_for("").rstrip("/")])


def test_enrich_adds_dois_fills_fields_and_writes_once(invoke, crossref, lib3):
    serve_standard(crossref)
    result = run(invoke, crossref, "enrich", "--library", lib3, "--mailto", "me@uni.edu")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "1 matched, 1 already had a DOI, 1 unmatched, 0 with conflicts, 0 errors; 2 records updated" in result.stderr
    records = {r.id: r for r in library.load(lib3)}
    malard = records["malard2020acute"]
    assert malard.doi == "10.5555/refmill.malard2020"
    assert malard.custom["crossref"]["method"] == "bibliographic" and malard.custom["crossref"]["score"] == 1.0
    assert records["rampotas2025present"].get("issue") == "14"
    assert records["malard2019acute"].doi == ""
    assert (lib3.parent / "refs.bib.bak").exists()
    ua = {r.headers["User-Agent"] for r, _ in crossref.log}
    assert all("mailto:me@uni.edu" in u for u in ua)
    # a second run sends no request and changes nothing
    before, sent = lib3.read_bytes(), len(crossref.log)
    again = run(invoke, crossref, "enrich", "--library", lib3, "--mailto", "me@uni.edu")
    assert again.exit_code == 0, again.stderr
    assert len(crossref.log) == sent and lib3.read_bytes() == before
    assert "0 matched, 2 already had a DOI, 1 unmatched" in again.stderr


def test_dry_run_prints_what_would_change_and_why(invoke, crossref, lib3):
    serve_standard(crossref)
    before = lib3.read_bytes()
    result = run(invoke, crossref, "enrich", "--library", lib3, "--dry-run", "--format", "jsonl", "--explain")
    assert result.exit_code == 0, result.stderr
    assert lib3.read_bytes() == before
    changed = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in changed] == ["rampotas2025present", "malard2020acute"]
    assert changed[1]["DOI"] == "10.5555/refmill.malard2020"
    assert set(changed[1]["custom"]["crossref"]["agreed"]) >= {"title", "author", "year", "volume", "page"}
    assert "malard2020acute: matched 10.5555/refmill.malard2020 (score 1.00; agreed: " in result.stderr
    assert "malard2019acute: no match: best candidate" in result.stderr and "below 0.6" in result.stderr
    assert "dry run, nothing written" in result.stderr
    assert "Note: without --mailto" in result.stderr


def test_conflicts_are_reported_and_prefer_crossref_takes_theirs(invoke, crossref, tmp_path):
    serve_standard(crossref)
    path = tmp_path / "c.bib"
    path.write_text(LIBRARY.replace("volume = {145}", "volume = {144}"))
    result = run(invoke, crossref, "enrich", "--library", path)
    assert result.exit_code == 0
    assert "Warning: rampotas2025present: volume differs: ours '144', Crossref '145' (kept ours" in result.stderr
    assert "1 with conflicts" in result.stderr
    assert library.load(path)[0].get("volume") == "144"
    assert library.load(path)[0].custom["crossref"]["conflicts"] == ["volume"]
    result = run(invoke, crossref, "enrich", "--library", path, "--prefer", "crossref")
    assert result.exit_code == 0 and "took Crossref's" in result.stderr
    assert library.load(path)[0].get("volume") == "145"


def test_offline_uses_the_cache_only(invoke, crossref, lib3):
    serve_standard(crossref)
    nothing = run(invoke, crossref, "enrich", "--library", lib3, "--offline")
    assert nothing.exit_code == 2 and "no record could be looked up" in nothing.stderr
    assert "3 not looked up" in nothing.stderr and "not in the cache (--offline)" in nothing.stderr
    assert crossref.log == []
    assert run(invoke, crossref, "enrich", "--library", lib3, "--dry-run").exit_code == 0
    sent = len(crossref.log)
    offline = run(invoke, crossref, "enrich", "--library", lib3, "--offline")
    assert offline.exit_code == 0, offline.stderr
    assert len(crossref.log) == sent and "1 matched" in offline.stderr


def test_unreachable_crossref_is_said_once_and_the_rest_goes_on(invoke, crossref, lib3, tmp_path, monkeypatch):
    serve_standard(crossref)
    # the DOI record gets cached; then Crossref goes away
    assert run(invoke, crossref, "enrich", "--library", lib3, "--dry-run").exit_code == 0
    lib3.write_text(lib3.read_text() + "\n@article{new2021, title = {A reference never seen before}, year = {2021}, author = {New, A.}, journal = {J Test}}\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "config.toml").write_text("crossref_retries = 1\n")
    monkeypatch.setenv("REFMILL_CONFIG_DIR", str(tmp_path / "cfg"))
    result = invoke(["enrich", "--library", lib3, "--crossref-url", closed])
    assert result.exit_code == 3, result.stderr
    assert result.stderr.count("cannot be reached") == 1
    assert "1 not looked up (new2021): Crossref cannot be reached at " + closed in result.stderr
    assert library.load(lib3)[1].doi == "10.5555/refmill.malard2020"  # what was answered is written


def test_add_by_doi(invoke, crossref, tmp_path):
    serve_standard(crossref)
    path = tmp_path / "lib.bib"
    result = run(invoke, crossref, "add", "https://doi.org/" + BLOOD_DOI, "--library", path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "rampotas2025present\n"
    (rec,) = library.load(path)
    assert rec.doi == BLOOD_DOI and rec.get("volume") == "145" and rec.author[0].family == "Rampotas"
    again = run(invoke, crossref, "add", BLOOD_DOI, "10.5555/unknown", "--library", path)
    assert again.exit_code == 3
    assert "0 added, 1 already there" in again.stderr and "10.5555/unknown: not known to Crossref" in again.stderr
    bad = invoke(["add", "not-a-doi", "--library", path])
    assert bad.exit_code == 2 and "not a DOI: 'not-a-doi'" in bad.stderr


def test_parse_enrich_in_a_pipeline(invoke, crossref, tmp_path):
    serve_standard(crossref)
    src = tmp_path / "refs.txt"
    src.write_text(MALARD + "\n" + MALARD_TRAP + "\n")
    result = run(invoke, crossref, "parse", "--one-per-line", src, "--enrich", "--format", "bibtex")
    assert result.exit_code == 0, result.stderr
    entries, problems = bibtex.read(result.stdout, "out.bib")
    assert not problems and [e.doi for e in entries] == ["10.5555/refmill.malard2020", ""]
    assert "Crossref: 1 matched, 0 already had a DOI, 1 unmatched" in result.stderr


def test_bad_crossref_url_is_a_clear_error(invoke, lib3):
    result = invoke(["enrich", "--library", lib3, "--crossref-url", "ftp://mirror.example"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: not an http(s) URL for Crossref")


def test_settings_come_from_environment_and_config(invoke, crossref, lib3, monkeypatch, tmp_path):
    serve_standard(crossref)
    config_dir = tmp_path / "cfg"
    config_dir.mkdir()
    (config_dir / "config.toml").write_text(f'mailto = "cfg@uni.edu"\ncrossref_url = "{crossref.url_for("").rstrip("/")}"\n')
    monkeypatch.setenv("REFMILL_CONFIG_DIR", str(config_dir))
    assert invoke(["enrich", "--library", lib3, "--dry-run"]).exit_code == 0
    assert all("mailto:cfg@uni.edu" in r.headers["User-Agent"] for r, _ in crossref.log)
    monkeypatch.setenv("REFMILL_MAILTO", "env@uni.edu")
    assert invoke(["enrich", "--library", lib3, "--dry-run", "--refresh"]).exit_code == 0
    assert "mailto:env@uni.edu" in crossref.log[-1][0].headers["User-Agent"]


def test_crossref_text_with_latex_specials_survives_the_library(invoke, crossref, tmp_path):
    """Crossref answers are input too: braces, backslashes and % must not break refs.bib."""
    title = r"Braces {CD19}, a \backslash, 100% & $x_1$ ~ the end}"
    crossref.expect_request("/works/10.5555/specials").respond_with_json({"status": "ok", "message": {
        "DOI": "10.5555/specials", "type": "journal-article", "title": [title],
        "author": [{"family": "O'Brien {Jr}", "given": "A\\B"}], "container-title": ["J. {Odd}"]}})
    path = tmp_path / "lib.bib"
    result = run(invoke, crossref, "add", "10.5555/specials", "--library", path)
    assert result.exit_code == 0, result.stderr
    (rec,) = library.load(path)
    assert rec.title == title and rec.author[0].family == "O'Brien {Jr}" and rec.get("container-title") == "J. {Odd}"


def test_huge_answers_are_read(invoke, crossref, tmp_path):
    from crossref_support import fixture_json

    answer = fixture_json("query-acute-lymphoblastic-leukaemia.json")
    for item in answer["message"]["items"]:
        item["abstract"] = "<jats:p>" + "word " * 200_000 + "</jats:p>"  # 1 MB each
    crossref.expect_request("/works").respond_with_json(answer)
    src = tmp_path / "refs.txt"
    src.write_text(MALARD + "\n")
    result = run(invoke, crossref, "parse", "--one-per-line", src, "--enrich", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["DOI"] == "10.5555/refmill.malard2020"


def test_limits_from_the_config_file_hold_end_to_end(invoke, crossref, tmp_path, monkeypatch):
    from werkzeug import Response

    from crossref_support import Gauge, fixture_text

    gauge = Gauge()
    crossref.expect_request("/works").respond_with_handler(gauge.wrap(
        lambda r: Response(fixture_text("query-empty.json"), content_type="application/json"), delay=0.2))
    src = tmp_path / "refs.txt"
    src.write_text("".join(f"Author{i} A. A title about topic number {i}. J Test. 2020;{i}:1-9.\n" for i in range(6)))
    (tmp_path / "cfg").mkdir()
    monkeypatch.setenv("REFMILL_CONFIG_DIR", str(tmp_path / "cfg"))
    assert invoke(["config", "set", "crossref_concurrency", "1"]).exit_code == 0
    assert invoke(["config", "set", "crossref_list_rate", "50"]).exit_code == 0
    result = run(invoke, crossref, "parse", "--one-per-line", src, "--enrich", "--mailto", "me@uni.edu", "--format", "keys")
    assert result.exit_code == 0, result.stderr
    assert len(gauge.starts) == 6 and gauge.peak == 1  # the polite pool would allow 3
    assert "Crossref: 0 matched, 0 already had a DOI, 6 unmatched" in result.stderr
