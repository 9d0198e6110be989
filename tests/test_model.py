from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from refmill.model import (
    Date, Name, Record, assign_keys, base_key, clean_title, normalize_doi, normalize_pages,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1485–97", "1485-1497"),
        ("1485-1497", "1485-1497"),
        ("103-28", "103-128"),
        ("e816–e826", "e816-e826"),
        ("S23-S24", "S23-S24"),
        ("224ra25", "224ra25"),
        ("199-3", "199-3"),  # not a range that can be repaired: kept as printed
    ],
)
def test_normalize_pages(raw, expected):
    assert normalize_pages(raw) == expected


@given(st.text(alphabet="0123456789-–eS ", max_size=12))
def test_normalize_pages_is_idempotent(text):
    once = normalize_pages(text)
    assert normalize_pages(once) == once


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("doi: https://doi.org/10.1182/blood.2023022922.", "10.1182/blood.2023022922"),
        ("https://dx.doi.org/10.1038/bcj.2017.53;", "10.1038/bcj.2017.53"),
        ("(10.1000/abc(12)x).", "10.1000/abc(12)x"),
        ("10.1002/(SICI)1097-0258(19980815)17:15<1661::AID-SIM968>3.0.CO;2-2,",
         "10.1002/(SICI)1097-0258(19980815)17:15<1661::AID-SIM968>3.0.CO;2-2"),
        ("no doi here", ""),
    ],
)
def test_normalize_doi(raw, expected):
    assert normalize_doi(raw) == expected


def test_clean_title_drops_sentence_period_but_keeps_question_mark():
    assert clean_title("how to select newly approved agents?.") == "how to select newly approved agents?"
    assert clean_title("Acute lymphoblastic leukaemia.") == "Acute lymphoblastic leukaemia"
    assert clean_title("Wait for it...") == "Wait for it..."


def _rec(family, year, title):
    return Record(author=[Name(family=family)], issued=Date(year), fields={"title": title})


def test_keys_are_readable_ascii_and_deterministic():
    assert base_key(_rec("Gökbuget", 2012, "Outcome of relapsed adult ALL")) == "gokbuget2012outcome"
    assert base_key(_rec("Rampotas", 2025, "The present and future")) == "rampotas2025present"


def test_taken_keys_get_letter_suffixes_and_links_follow():
    a, b, c = _rec("Maude", 2014, "Chimeric"), _rec("Maude", 2014, "Chimeric"), _rec("Maude", 2014, "Chimeric")
    c.custom["cited-by"] = "x"
    own = Record(id="x", fields={"title": "t"})
    renamed = assign_keys([a, b, own, c], taken={"x"})
    assert [a.id, b.id, c.id] == ["maude2014chimeric", "maude2014chimerica", "maude2014chimericb"]
    assert own.id == "xa" and renamed == {"x": "xa"} and c.custom["cited-by"] == "xa"


def test_csl_round_trip_keeps_everything():
    rec = Record(
        id="k", type="chapter",
        fields={"title": "T", "container-title": "Book", "page": "1-2", "DOI": "10.1/x", "publisher-place": "Paris"},
        author=[Name(family="Berg", given="Jan", non_dropping_particle="van der")],
        editor=[Name(literal="WHO")],
        issued=Date(2020, 3),
        custom={"truncated": True, "raw": "r"},
    )
    assert Record.from_csl(rec.to_csl()) == rec
