"""Exported files read back by readers that are not refmill's: pybtex (strict), biber's
data-model validation, bibutils' ris2xml (and rispy's record count), and the CSL-JSON schema.

Each tool runs once over the whole hard-case corpus plus the seed library, so CI stays fast.
Quirks of these readers, checked and left alone:
- bibutils does not know the RIS types BILL, VIDEO, DATA, DICT, ENCYC, … (valid in the RIS
  specification) and reads them as generic records, saying so on stderr;
- bibutils keeps the comma of "King, Martin Luther, Jr." in the given name ("Luther,") while
  it reads the suffix right: the three-part form is the RIS specification's;
- bibutils keeps one of two authors with the same printed name (refs.bib has two
  "Kozani, P. S.", two people; refmill keeps both, as the pasted page had them);
- RIS cannot mark an organisation: refmill writes EndNote's trailing comma ("WHO Group,"),
  which EndNote and refmill read as a corporate name and bibutils as a person's name.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import rispy
from defusedxml import ElementTree

from conftest import ROOT
from hard_cases import CASES
from refmill import library
from refmill.formats import bibtex, csljson, ris

RECORDS = list(CASES.values()) + library.load(ROOT / "refs.bib")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if not path:
        pytest.skip(f"{tool} is not installed (CI installs it: apt-get install biber bibutils)")
    return path


# --- pybtex ----------------------------------------------------------------------------------


@pytest.mark.parametrize("biblatex", [False, True], ids=["bibtex", "biblatex"])
@pytest.mark.parametrize("ascii_only", [False, True], ids=["utf8", "ascii"])
def test_pybtex_reads_every_entry_in_strict_mode(biblatex, ascii_only):
    database = pytest.importorskip("pybtex.database")
    text = bibtex.write(RECORDS, ascii_only=ascii_only, biblatex=biblatex)
    db = database.parse_string(text, "bibtex")  # strict by default: any error raises
    assert list(db.entries) == [r.id for r in RECORDS]
    for rec in RECORDS:
        entry = db.entries[rec.id]
        if rec.author and "author" in entry.persons:
            assert len(entry.persons["author"]) == len(rec.author) + rec.truncated
        if rec.doi:
            assert entry.fields["doi"] == rec.doi
        if rec.get("URL"):
            assert entry.fields["url"] == rec.get("URL")


# --- biber -----------------------------------------------------------------------------------


def biber(tmp_path: Path, text: str, name: str) -> tuple[list[str], str]:
    exe = need("biber")
    source = tmp_path / f"{name}.bib"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / f"{name}_out.bib"
    run = subprocess.run([exe, "--tool", "--validate-datamodel", "--output-file", str(out), str(source)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    lines = (run.stdout + run.stderr).splitlines()
    assert run.returncode == 0, "\n".join(lines[-20:])
    return lines, out.read_text(encoding="utf-8")


@pytest.mark.parametrize("ascii_only", [False, True], ids=["utf8", "ascii"])
def test_biber_validates_biblatex_without_warnings(tmp_path, ascii_only):
    lines, out = biber(tmp_path, bibtex.write(RECORDS, ascii_only=ascii_only, biblatex=True), "biblatex")
    assert [line for line in lines if line.startswith(("WARN", "ERROR"))] == []
    assert out.count("\n@") + out.startswith("@") == len(RECORDS)


def test_biber_reads_bibtex_without_errors(tmp_path):
    lines, out = biber(tmp_path, bibtex.write(RECORDS), "bibtex")
    assert [line for line in lines if line.startswith("ERROR")] == []
    assert out.count("\n@") + out.startswith("@") == len(RECORDS)


# --- bibutils ris2xml and rispy --------------------------------------------------------------

MODS = "{http://www.loc.gov/mods/v3}"


def unique(people):
    return list({p.display(): p for p in people}.values())


def test_ris2xml_reads_every_record(tmp_path):
    exe = need("ris2xml")
    text = ris.write(RECORDS)
    assert len(rispy.loads(text)) == len(RECORDS)  # rispy silently drops a record without ER
    source = tmp_path / "refs.ris"
    source.write_text(text, encoding="utf-8")
    run = subprocess.run([exe, str(source)], capture_output=True, timeout=60)
    assert run.returncode == 0, run.stderr.decode()
    root = ElementTree.fromstring(run.stdout)
    mods = root.findall(f"{MODS}mods")
    assert [m.get("ID") for m in mods] == [r.id for r in RECORDS]
    for rec, item in zip(RECORDS, mods):
        title = item.find(f"{MODS}titleInfo/{MODS}title")
        assert title is not None and " ".join(title.text.split()) in " ".join(rec.title.split())
        authors = [n for n in item.findall(f"{MODS}name") if n.findtext(f"{MODS}role/{MODS}roleTerm") == "author"]
        assert len(authors) == len({a.display() for a in rec.author}), rec.id
        # RIS has no mark for an organisation (EndNote's trailing comma is not one to
        # bibutils): its words come back as given and family parts, in order
        for name, person in zip(authors, unique(rec.author)):
            parts = [p.text for p in name.findall(f"{MODS}namePart") if p.get("type") != "suffix"]
            if person.literal:
                assert " ".join(parts) == person.literal
        doi = item.find(f"{MODS}identifier[@type='doi']")
        assert (doi.text if doi is not None else "") == rec.doi


# --- CSL-JSON schema -------------------------------------------------------------------------


@pytest.mark.parametrize("with_custom", [True, False], ids=["with-custom", "plain"])
def test_csl_json_validates_against_the_schema(shared, with_custom):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((shared / "data" / "schemas" / "csl-data.json").read_text())
    items = json.loads(csljson.write_array(RECORDS, with_custom=with_custom))
    jsonschema.validate(items, schema)
    assert len(items) == len(RECORDS)
