"""The new formats through the command line, and readers facing hostile input."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from refmill.formats import READERS, bibtex, endnote, medline


def test_export_biblatex_and_medline(invoke, tmp_path):
    library = ROOT / "refs.bib"
    result = invoke(["export", "--library", library, "--format", "biblatex"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "journaltitle = {Blood Cancer J.}" in result.stdout and "eid = {e577}" in result.stdout
    assert "refmill-" not in result.stdout
    out = tmp_path / "refs.nbib"
    result = invoke(["export", "--library", library, "-o", out], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    text = out.read_text()
    assert text.count("\nTI  - ") == 35 and "FAU - Terwilliger, T." in text and "PG  - e577" in text
    result = invoke(["import", out, "--library", tmp_path / "back.bib"], catch_exceptions=False)  # read as MEDLINE
    assert result.exit_code == 0 and "35 added" in result.stderr


def test_import_reads_medline_and_endnote_xml(invoke, tmp_path):
    nbib = tmp_path / "pubmed.nbib"
    nbib.write_text("PMID- 28665419\nTI  - Acute lymphoblastic leukemia: a comprehensive review and 2017\n"
                    "      update.\nFAU - Terwilliger, Timothy\nAU  - Terwilliger T\nJT  - Blood cancer journal\n"
                    "TA  - Blood Cancer J\nVI  - 7\nIP  - 6\nPG  - e577\nDP  - 2017 Jun 30\n"
                    "LID - 10.1038/bcj.2017.53 [doi]\n")
    xml = tmp_path / "endnote.xml"
    xml.write_text('<?xml version="1.0" encoding="UTF-8"?><xml><records><record><ref-type name="Journal Article">17'
                   "</ref-type><contributors><authors><author><style>Malard, F.</style></author></authors>"
                   "</contributors><titles><title><style>Acute lymphoblastic leukaemia</style></title>"
                   "<secondary-title>Lancet</secondary-title></titles><volume>395</volume><pages>1146-62</pages>"
                   "<dates><year>2020</year></dates></record></records></xml>")
    lib = tmp_path / "refs.bib"
    result = invoke(["import", nbib, xml, "--library", lib], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    text = lib.read_text()
    assert "@article{terwilliger2017acute," in text and "pmid = {28665419}" in text
    assert "title = {Acute lymphoblastic leukemia: a comprehensive review and 2017 update}" in text
    assert "pages = {1146--1162}" in text and "day = {30}" in text


def test_xml_bombs_and_external_entities_are_refused():
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
            "<xml><records><record><titles><title>&b;</title></titles></record></records></xml>")
    records, problems = endnote.read(bomb, "bomb.xml")
    assert records == [] and "XML refused" in str(problems[0])
    external = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                "<xml><records><record><titles><title>&e;</title></titles></record></records></xml>")
    records, problems = endnote.read(external, "ext.xml")
    assert records == [] and "XML refused" in str(problems[0])
    records, problems = endnote.read("<xml><records><record>\n<titles>", "cut.xml")
    assert records == [] and problems[0].line == 2 and "not well-formed" in problems[0].message


def test_problems_name_file_and_line():
    _, problems = medline.read("PMID- 1\nTI  - A title.\nthis is not medline\n", "x.nbib")
    assert [str(p) for p in problems] == ["x.nbib:3: not a MEDLINE line, skipped: 'this is not medline'"]
    _, problems = bibtex.read("@incollection{c, title={Child}, crossref={missing}}\n", "x.bib")
    assert [str(p) for p in problems] == ["x.bib:1: entry 'c': crossref 'missing' is not in the file; read without it"]


def test_string_macros_and_concatenation():
    text = ('@string{nejm = "N Engl J Med"}\n@string{full = nejm # " (Boston)"}\n'
            '@article{a, title = "The {CAR} " # {T}, journal = full, month = aug, year = 2016}\n')
    rec = bibtex.read(text, "x.bib")[0][0]
    assert (rec.title, rec.get("container-title"), rec.issued.month) == ("The CAR T", "N Engl J Med (Boston)", 8)


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "medline", "endnote-xml", "csl-json", "jsonl"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.lists(st.sampled_from(list("@{}()=,#\"\\%$<>&;-: \n\tTYERAUPMIDFx0123") + ["TY  - ", "ER  - ",
       "PMID- ", "AU  - ", "@article{", "<record>", "</record>", "<title>", "\r", "é", "\x00"]), max_size=80).map("".join))
def test_readers_never_crash_on_hostile_input(fmt, text):
    records, problems = READERS[fmt](text, "x")
    assert isinstance(records, list) and isinstance(problems, list)
