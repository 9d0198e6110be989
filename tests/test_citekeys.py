"""Citation keys from patterns, and rekeying a library without breaking its links."""
from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from refmill import library
from refmill.citekeys import DEFAULT_PATTERN, compile_pattern, make_key, rekey
from refmill.errors import InputError
from refmill.model import Date, Name, Record, base_key

from conftest import ROOT


def rec(families, year=2020, title="The present and future of CAR T-cell therapy", page="1485-1497", **kw):
    return Record(
        id=kw.pop("id", ""),
        author=[Name(family=f, given="A.") for f in families],
        issued=Date(year) if year else None,
        fields={"title": title, "page": page, **kw.pop("fields", {})},
        **kw,
    )


def test_default_pattern_gives_the_keys_of_the_committed_library():
    records = library.load(ROOT / "refs.bib")
    assert rekey(records, DEFAULT_PATTERN) == {}
    assert base_key(rec(["Gökbuget"], 2012, "Outcome of relapsed adult ALL")) == "gokbuget2012outcome"


@pytest.mark.parametrize(
    "pattern, key",
    [
        ("[auth][year]", "Rampotas2025"),
        ("[auth:lower][shortyear]", "rampotas25"),
        ("[auth3:upper]-[year]", "RAM-2025"),
        ("[authors]", "RampotasRoddieSmith"),
        ("[authors2][year]", "RampotasRoddieEtAl2025"),
        ("[auth:lower][year][veryshorttitle:lower]", "rampotas2025present"),
        ("[auth:lower]:[shorttitle:capitalize]", "rampotas:PresentFutureCar"),
        ("[auth:lower]_[firstpage]", "rampotas_1485"),
    ],
)
def test_pattern_fields_and_modifiers(pattern, key):
    assert make_key(rec(["Rampotas", "Roddie", "Smith"], 2025), pattern) == key


def test_fallbacks_for_records_without_authors_or_year():
    no_author = Record(fields={"title": "A study", "container-title": "Transfusion and Apheresis Science"})
    assert make_key(no_author, "[auth:lower][year][veryshorttitle:lower]") == "transfusiona" + "study"
    assert make_key(Record(), DEFAULT_PATTERN) == "anon"
    assert make_key(Record(), "[year]") == "anon"  # a pattern that gives nothing still gives a key


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("[foo]", "unknown field [foo]"),
        ("[auth:shout]", "unknown modifier :shout"),
        ("[auth] [year]", "unexpected ' ' at position 7"),
        ("[auth", "unexpected '[' at position 1"),
        ("", "citekey pattern is empty"),
    ],
    ids=["field", "modifier", "space", "unclosed", "empty"],
)
def test_bad_patterns_are_refused_with_the_reason(pattern, message):
    with pytest.raises(InputError, match=re.escape(message)):
        compile_pattern(pattern)


def test_rekey_suffixes_clashes_and_links_follow():
    page = rec(["Korkmaz"], 2023, "Clinical use of CAR T-cells", id="page")
    refs = [rec(["Smith"], 2020, "Alpha", id=f"r{i}", custom={"cited-by": "page"}) for i in range(3)]
    records = [page, *refs]
    renamed = rekey(records, "[auth:lower][year]")
    assert renamed == {"page": "korkmaz2023", "r0": "smith2020", "r1": "smith2020a", "r2": "smith2020b"}
    assert [r.custom["cited-by"] for r in refs] == ["korkmaz2023"] * 3


def test_rekey_only_some_keys_leaves_the_others_and_avoids_their_keys():
    a = rec(["Smith"], 2020, id="smith2020")
    b = rec(["Smith"], 2020, id="old-key")
    renamed = rekey([a, b], "[auth:lower][year]", only=["old-key"])
    assert renamed == {"old-key": "smith2020a"} and a.id == "smith2020"


def test_a_bad_pattern_changes_no_key():
    records = [rec(["Smith"], id="keep")]
    with pytest.raises(InputError):
        rekey(records, "[nope]")
    assert records[0].id == "keep"


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=150, deadline=None)
@example(families=[], title="", year=None, page="੦", pattern="[auth4]_[firstpage]:[shorttitle]")  # a Gurmukhi zero
@example(families=[], title="Über ੦੧ Zahlen", year=None, page="", pattern="[auth4]_[firstpage]:[shorttitle]")
@given(families=st.lists(texts, max_size=4), title=texts, year=st.one_of(st.none(), st.integers(1500, 2100)),
       page=texts, pattern=st.sampled_from([DEFAULT_PATTERN, "[authors2:capitalize][shortyear]", "[auth4]_[firstpage]:[shorttitle]"]))
def test_keys_are_always_plain_ascii(families, title, year, page, pattern):
    key = make_key(rec(families, year, title, page), pattern)
    assert re.fullmatch(r"[A-Za-z0-9_.:-]+", key), key


def test_the_readme_pattern_examples_hold():
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `(\[[^`]+)`(?: \(default\))? \| `([^`]+)` \|$", text, re.MULTILINE)
    assert len(rows) >= 4
    (blood,) = [r for r in library.load(ROOT / "refs.bib") if r.id == "rampotas2025present"]
    for pattern, key in rows:
        assert make_key(blood, pattern) == key, pattern
