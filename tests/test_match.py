from __future__ import annotations

import pytest

from refmill.match import compare, container_agrees, first_page, norm_title, same_work
from refmill.model import Date, Name, Record


@pytest.mark.parametrize(
    "a, b, agree",
    [
        ("N Engl J Med", "The New England Journal of Medicine", True),
        ("Proc Natl Acad Sci USA", "Proceedings of the National Academy of Sciences of the United States of America", True),
        ("J Clin Invest", "Journal of Clinical Investigation", True),
        ("Blood Adv.", "Blood Advances", True),
        ("Lancet", "The Lancet", True),
        ("Blood", "Blood Advances", False),
        ("Nature", "Nature Medicine", False),
        ("J Clin Oncol", "Journal of Clinical Investigation", False),
    ],
)
def test_container_abbreviations(a, b, agree):
    assert container_agrees(a, b) is agree
    assert container_agrees(b, a) is agree


def test_norm_title_ignores_markup_latex_greek_and_case():
    assert norm_title("<i>TP53</i> and {CAR} T-cells: α-synuclein.") == norm_title("TP53 and CAR T cells: alpha synuclein")
    assert norm_title("Étude des cas [Case study]") == "etude des cas"


def test_first_page():
    assert [first_page(p) for p in ("1485-1497", "e577", "S23–S24", "pp. 12-14")] == ["1485", "e577", "s23", "12"]


def rec(**kw):
    fields = {k: v for k, v in kw.items() if k in ("title", "volume", "page", "DOI", "container-title")}
    return Record(fields=fields, author=[Name(family=f) for f in kw.get("authors", [])], issued=Date(kw["year"]) if "year" in kw else None)


def test_compare_reports_each_field():
    a = rec(title="Tisagenlecleucel in children", authors=["Maude", "Laetsch"], year=2018, volume="378", page="439-448", **{"container-title": "N Engl J Med"})
    b = rec(title="Tisagenlecleucel in Children.", authors=["Maude"], year=2018, volume="378", page="439-48", **{"container-title": "New England Journal of Medicine"})
    ag = compare(a, b)
    assert ag.title == 1.0 and ag.first_author and ag.authors == 1.0 and ag.year == 0
    assert ag.volume and ag.page and ag.container and ag.doi is None


def test_same_work_is_conservative():
    base = dict(title="Chimeric antigen receptor T cells for sustained remissions in leukemia", authors=["Maude"], year=2014)
    assert same_work(rec(**base), rec(**base))
    assert not same_work(rec(**base), rec(**{**base, "year": 2015}))
    assert not same_work(rec(**base, volume="371"), rec(**base, volume="372"))
    assert not same_work(rec(**base, DOI="10.1000/a"), rec(**base, DOI="10.1000/b"))
    assert same_work(rec(title="x", DOI="10.1056/NEJMoa1407222"), rec(title="y", DOI="https://doi.org/10.1056/nejmoa1407222"))
