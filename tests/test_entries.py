"""Core of the everyday commands without the CLI: entries, stats, rendering."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from refmill import entries, library
from refmill.errors import InputError, LibraryError
from refmill.model import Date, Name, Record
from refmill.render import card, card_rows, stats_view
from refmill.stats import author_label, summarize, year_series

from conftest import ROOT


@pytest.fixture(scope="module")
def records():
    return library.load(ROOT / "refs.bib")


def test_find_keeps_the_order_asked_and_names_every_unknown_key(records):
    found = entries.find(records, ["malard2020acute", "korkmaz2023clinical", "malard2020acute"])
    assert [r.id for r in found] == ["malard2020acute", "korkmaz2023clinical"]
    with pytest.raises(LibraryError, match=r"^no keys x, y in refs.bib$"):
        entries.find(records, ["x", "malard2020acute", "y"], "refs.bib")


def test_remove_is_all_or_nothing_and_unlinks(records):
    lib = [Record(id=r.id, custom=dict(r.custom)) for r in records]
    with pytest.raises(LibraryError):
        entries.remove(lib, ["korkmaz2023clinical", "nope"])
    assert len(lib) == 35
    result = entries.remove(lib, ["korkmaz2023clinical"])
    assert [r.id for r in result.removed] == ["korkmaz2023clinical"]
    assert len(result.unlinked) == 33 and not any("cited-by" in r.custom for r in lib)


def test_retag_is_case_insensitive_and_reports_what_changed():
    rec = Record(fields={"keyword": "Review; leukemia"})  # RIS keywords come joined with "; "
    assert entries.tags(rec) == ["Review", "leukemia"]
    assert entries.retag(rec, add=["review", "CAR-T"], drop=["LEUKEMIA", "absent"]) == (["CAR-T"], ["LEUKEMIA"])
    assert rec.get("keyword") == "Review, CAR-T"
    entries.retag(rec, drop=["review", "car-t"])
    assert "keyword" not in rec.fields


@pytest.mark.parametrize("bad", ["", "  ", "a,b", "a;b", "{x}"])
def test_bad_tags(bad):
    with pytest.raises(InputError):
        entries.check_tag(bad)


tag_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=",;{}\\"), min_size=1, max_size=15)


@settings(max_examples=60, deadline=None)
@given(st.lists(tag_text, max_size=5))
def test_tags_survive_the_library_file(tmp_path_factory, tags):
    tags = [t for t in tags if t.strip()]
    rec = Record(id="k", fields={"title": "T"})
    entries.retag(rec, add=[entries.check_tag(t) for t in tags])
    path = tmp_path_factory.mktemp("lib") / "refs.bib"
    library.save(path, [rec])
    assert entries.tags(library.load(path)[0]) == entries.tags(rec)


def test_read_edit_accepts_one_entry_and_names_problems():
    rec = entries.read_edit("@article{k1, title = {A}, year = {2020}}\n", "e.bib")
    assert rec.id == "k1" and rec.year == 2020
    with pytest.raises(InputError, match=r"^e\.bib:1: not valid BibTeX"):
        entries.read_edit("@article{k1, title = {A}\n", "e.bib")
    with pytest.raises(InputError, match="holds 2 entries"):
        entries.read_edit("@article{a, title={A}}\n@article{b, title={B}}\n", "e.bib")


def test_replace_moves_links_to_a_new_key():
    lib = [Record(id="a"), Record(id="b", custom={"cited-by": "a"})]
    assert entries.replace(lib, "a", Record(id="c")) == "a"
    assert [r.id for r in lib] == ["c", "b"] and lib[1].custom["cited-by"] == "c"
    with pytest.raises(InputError, match="already taken"):
        entries.replace(lib, "c", Record(id="b"))


def test_stats_group_spellings_and_order(records):
    stats = summarize(records)
    assert stats.records == 35 and stats.years["2020"] == 7
    assert list(stats.journals)[:2] == ["Blood", "N Engl J Med"]
    assert author_label(Name(family="Kantarjian", given="Hagop M.")) == "Kantarjian, H. M."
    assert author_label(Name(family="Dupont", given="Jean-Pierre")) == "Dupont, J.-P."
    series = year_series(stats)
    assert series[0] == ("2010", 1) and ("2024", 0) in series and series[-1] == ("2025", 1)


def test_stats_of_records_without_years():
    stats = summarize([Record(issued=Date(1900)), Record(issued=Date(2020)), Record()])
    assert stats.years == {"1900": 1, "2020": 1, "unknown": 1}
    assert year_series(stats) == [("1900", 1), ("2020", 1), ("unknown", 1)]  # a long span is not filled


def render(renderable) -> str:
    console = Console(width=100, color_system=None)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


def test_card_shows_text_as_written_never_as_markup():
    rec = Record(id="k", fields={"title": "On [bold]x[/bold] and [link=y]z"}, author=[Name("Smith", "J.")])
    out = render(card(rec))
    assert "On [bold]x[/bold] and [link=y]z" in out and "Smith, J." in out


def test_card_rows(records):
    (blood,) = entries.find(records, ["rampotas2025present"])
    rows = dict(card_rows(blood))
    assert rows["journal"] == "Blood" and rows["volume"] == "vol. 145, no. 14, pp. 1485-1497"
    assert rows["source"] == "data/rampotas-roddie-2025-blood.txt:284" and "tags" not in rows


def test_stats_view(records):
    out = render(stats_view(summarize(records), top=2))
    assert "35 records, 2010-2025" in out and "... 18 more" in out


def test_stats_of_an_empty_library():
    assert render(stats_view(summarize([]))).strip() == "0 records"


def test_the_quick_key_scan_agrees_with_the_parser(records, tmp_path):
    assert library.keys(ROOT / "refs.bib") == [r.id for r in records]
    path = tmp_path / "odd.bib"
    path.write_text(
        '@string{jb = "J B"}\n@comment{not, a key}\n  @Article {spaced:key-1 ,\n title={A}}\n'
        "@book(paren, title={B})\n@preamble{x}\n"
    )
    assert library.keys(path) == ["spaced:key-1", "paren"] == [r.id for r in library.load(path)]
    assert library.keys(tmp_path / "missing.bib") == []
