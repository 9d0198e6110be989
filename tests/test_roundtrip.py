"""Every writer with its reader: what the model holds survives, for the hand-made hard cases
and for hypothesis-generated records. A format that has no place for a field carries it as
a `name: value` note line, so the comparison is of whole records."""
from __future__ import annotations

import copy
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from hard_cases import CASES
from refmill.formats import bibtex, csljson, detect, medline, read, ris, write
from refmill.model import CSL_TYPES, TEXT_FIELDS, Date, Name, Record, normalize_pages

FORMATS = {
    "bibtex": (lambda rs: bibtex.write(rs), bibtex.read),
    "bibtex-ascii": (lambda rs: bibtex.write(rs, ascii_only=True), bibtex.read),
    "biblatex": (bibtex.write_biblatex, bibtex.read),
    "biblatex-ascii": (lambda rs: bibtex.write_biblatex(rs, ascii_only=True), bibtex.read),
    "library": (lambda rs: bibtex.write(rs, with_custom=True), bibtex.read),
    "ris": (ris.write, ris.read),
    "medline": (medline.write, medline.read),
    "csl-json": (csljson.write_array, csljson.read_array),
    "csl-json-plain": (lambda rs: csljson.write_array(rs, with_custom=False), csljson.read_array),
    "jsonl": (csljson.write_lines, csljson.read_lines),
}


def canon(rec: Record, fmt: str) -> dict:
    """The record as compared after a round trip through `fmt`, with the documented
    differences of each format applied."""
    rec = copy.deepcopy(rec)
    if fmt == "medline":
        # one word with no comma reads back as a family name (it displays the same)
        for name in rec.author + rec.editor:
            if name.literal and " " not in name.literal:
                name.family, name.literal = name.literal, ""
    if fmt.startswith(("bibtex", "biblatex", "library")) and rec.type == "thesis" and not rec.get("genre"):
        rec.set("genre", "PhD thesis")  # a thesis is @phdthesis (BibTeX) or type = {phdthesis} (biber requires one)
    data = rec.to_csl(with_custom=False)
    data.pop("citation-key", None)
    if rec.get("keyword"):
        data["keyword"] = [k.strip() for k in rec.get("keyword").split(";") if k.strip()]
    if rec.get("page"):
        data["page"] = normalize_pages(rec.get("page"))
    for key, value in list(data.items()):
        if isinstance(value, str):
            data[key] = " ".join(value.split()) if key != "note" else "\n".join(" ".join(l.split()) for l in value.splitlines() if l.strip())
    data["truncated"] = rec.truncated
    data["arxiv"] = rec.custom.get("arxiv")
    if fmt in ("library", "csl-json", "jsonl"):
        data["custom"] = rec.custom
    return data


def round_trip(rec: Record, fmt: str) -> Record:
    writer, reader = FORMATS[fmt]
    text = writer([rec])
    back, problems = reader(text, f"x.{fmt}")
    assert problems == [], text
    assert len(back) == 1, text
    return back[0]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_hard_cases_survive_every_format(case, fmt):
    rec = CASES[case]
    assert canon(round_trip(rec, fmt), fmt) == canon(rec, fmt)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_many_records_in_one_file_keep_their_order(fmt):
    writer, reader = FORMATS[fmt]
    records = list(CASES.values())
    back, problems = reader(writer(records), "x")
    assert problems == []
    assert [canon(r, fmt) for r in back] == [canon(r, fmt) for r in records]


@pytest.mark.parametrize("fmt", ["bibtex", "biblatex", "ris", "medline", "csl-json", "jsonl"])
def test_written_text_is_detected_as_its_format(fmt):
    text = write(list(CASES.values())[:3], fmt)
    assert detect("-", text) == {"biblatex": "bibtex"}.get(fmt, fmt)
    assert len(read(text, "-")[0]) == 3


def test_fields_a_format_cannot_hold_go_to_a_note():
    rec = CASES["every-field"]
    text = bibtex.write([rec])
    # classic BibTeX has no event or version field: they travel in the note, Zotero-style
    assert "event-title: Congress of Everything" in text and "version: 1.2" in text
    assert "note = {A note of our own.\n" in text
    biblatex_text = bibtex.write_biblatex([rec])
    assert "eventtitle" not in biblatex_text  # @article has no eventtitle in biber's model
    assert re.search(r"^  eid = \{7\},$", biblatex_text, re.MULTILINE)  # CSL number as eid beside pages
    assert "PMID: 39808804" not in ris.write([rec]) or "N1  - PMID: 39808804" in ris.write([rec])
    assert "GN  - URL: https://example.org/every" in medline.write([rec])


def test_biblatex_uses_its_own_fields():
    text = bibtex.write_biblatex([CASES["article-numbers"], CASES["preprint-with-arxiv"]])
    assert "journaltitle = {Blood Cancer Journal}" in text and "date = {2017-06-30}" in text
    assert "eid = {e577}" in text and "pages" not in text.split("@misc")[0]
    assert "eprint = {28665419},\n  eprinttype = {pubmed}" in text
    assert "eprint = {1706.03762},\n  eprinttype = {arxiv}" in text
    classic = bibtex.write([CASES["article-numbers"]])
    assert "journal = {Blood Cancer Journal}" in classic and "pages = {e577}" in classic
    assert "year = {2017},\n  month = jun" in classic and "pmid = {28665419}" in classic


def test_exports_leave_refmill_custom_fields_out():
    rec = copy.deepcopy(CASES["article-numbers"])
    rec.custom.update({"raw": "Terwilliger T, Abdul-Hay M. …", "source": "page.txt", "line": 3})
    for fmt in ("bibtex", "biblatex", "ris", "medline"):
        assert "page.txt" not in write([rec], fmt)
    assert "refmill-source = {page.txt}" in bibtex.write([rec], with_custom=True)


# --- hypothesis: generated records through every format ------------------------------------

text_chars = st.characters(codec="utf-8", categories=["L", "N"])
word = st.text(alphabet=text_chars, min_size=1, max_size=8)
phrase = st.lists(word, min_size=1, max_size=4).map(" ".join)
special = st.sampled_from(list("&%$#_{}~^\\") + ["--", "`", "'", '"', "—", "é", "Ω", "$x^2$", "α-helix", "(", ")"])
title = st.lists(st.one_of(word, special), min_size=1, max_size=8).map(" ".join)
capitalised = st.text(alphabet=st.characters(categories=["Lu"]), min_size=1, max_size=1).flatmap(
    lambda first: st.text(alphabet=st.characters(categories=["Ll"]), min_size=1, max_size=8).map(lambda rest: first + rest))
people = st.one_of(
    st.builds(Name, family=capitalised, given=st.one_of(st.just(""), capitalised, st.just("H. M."))),
    st.builds(Name, family=capitalised, given=capitalised, non_dropping_particle=st.sampled_from(["van", "de la", "von der"])),
    st.builds(Name, family=capitalised, given=capitalised, suffix=st.sampled_from(["Jr.", "III"])),
    st.builds(Name, literal=st.lists(capitalised, min_size=2, max_size=4).map(" ".join)),
)
numberish = st.from_regex(r"[1-9]\d{0,3}", fullmatch=True)
optional_fields = {
    "container-title": phrase, "container-title-short": phrase, "collection-title": phrase,
    "volume": numberish, "issue": numberish, "page": st.one_of(numberish, st.from_regex(r"[1-9]\d{0,2}-[1-9]\d{3}", fullmatch=True), st.just("e577")),
    "number": numberish, "edition": numberish, "publisher": phrase, "publisher-place": phrase, "genre": phrase,
    "DOI": st.from_regex(r"10\.\d{4}/[A-Za-z0-9._;()<>\[\]/-]{1,20}[A-Za-z0-9]", fullmatch=True),
    "URL": st.from_regex(r"https://example\.org/[A-Za-z0-9_%&#~=?/-]{0,20}", fullmatch=True),
    "PMID": st.from_regex(r"[1-9]\d{5,7}", fullmatch=True), "ISSN": st.just("1234-5678"),
    "abstract": title, "note": phrase, "language": st.sampled_from(["en", "de", "zh"]),
    "title-short": phrase, "status": phrase, "version": numberish, "event-title": phrase,
}
records = st.builds(
    Record,
    id=st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
    type=st.sampled_from(sorted(CSL_TYPES)),
    fields=st.fixed_dictionaries({"title": title}, optional=optional_fields),
    author=st.lists(people, min_size=1, max_size=4),
    editor=st.lists(people, max_size=2),
    issued=st.one_of(st.none(), st.builds(Date, year=st.integers(1600, 2099)),
                     st.builds(Date, year=st.integers(1600, 2099), month=st.integers(1, 12), day=st.integers(1, 28))),
    custom=st.one_of(st.just({}), st.just({"truncated": True}), st.just({"arxiv": "2101.00001"})),
)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rec=records)
def test_generated_records_survive_every_format(fmt, rec):
    assert set(rec.fields) <= set(TEXT_FIELDS)
    assert canon(round_trip(rec, fmt), fmt) == canon(rec, fmt)
