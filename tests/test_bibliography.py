"""`refmill format`: bibliographies compared with renderings written by hand from each
style's rules (Citing Medicine for NLM/Vancouver, AMA 11th edition, APA 7th edition, Nature,
Chicago author-date for title case)."""
from __future__ import annotations

import pytest

from conftest import ROOT
from refmill.errors import ExportError
from refmill.formats import bibliography
from refmill.model import Date, Name, Record

pytest.importorskip("citeproc")


def person(family: str, given: str) -> Name:
    return Name(family=family, given=given)


RECORDS = [
    # eight authors, a journal with its abbreviation, a DOI
    Record(
        id="kantarjian2016inotuzumab",
        fields={"title": "Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic leukemia",
                "container-title": "The New England Journal of Medicine", "container-title-short": "N Engl J Med",
                "volume": "375", "issue": "8", "page": "740-753", "DOI": "10.1056/NEJMoa1509277"},
        author=[person("Kantarjian", "Hagop M."), person("DeAngelo", "Daniel J."), person("Stelljes", "Matthias"),
                person("Martinelli", "Giovanni"), person("Liedtke", "Michaela"), person("Stock", "Wendy"),
                person("Gökbuget", "Nicola"), person("O'Brien", "Susan")],
        issued=Date(2016, 8, 25),
    ),
    # two authors, an article number instead of pages
    Record(
        id="terwilliger2017acute",
        fields={"title": "Acute lymphoblastic leukemia: a comprehensive review and 2017 update",
                "container-title": "Blood Cancer Journal", "container-title-short": "Blood Cancer J",
                "volume": "7", "issue": "6", "page": "e577"},
        author=[person("Terwilliger", "Timothy"), person("Abdul-Hay", "Maher")],
        issued=Date(2017, 6, 30),
    ),
    # an organisation, a list that ended in "et al." on the page, a supplement page
    Record(
        id="foa2020dasatinib",
        fields={"title": "Dasatinib and blinatumomab for Philadelphia chromosome-positive leukemia",
                "container-title": "Blood", "volume": "136", "issue": "Suppl 1", "page": "S23"},
        author=[person("Foà", "Robin"), Name(literal="GIMEMA Working Party")],
        issued=Date(2020),
        custom={"truncated": True},
    ),
]

EXPECTED = {
    # Citing Medicine: up to six authors then "et al."; initials without periods; abbreviated
    # journal; "Year Mon Day;Vol(Issue):pages" with the page range shortened; doi at the end.
    "vancouver": [
        "1. Kantarjian HM, DeAngelo DJ, Stelljes M, Martinelli G, Liedtke M, Stock W, et al. Inotuzumab "
        "ozogamicin versus standard therapy for acute lymphoblastic leukemia. N Engl J Med. 2016 Aug 25;"
        "375(8):740–53. doi:10.1056/NEJMoa1509277",
        "2. Terwilliger T, Abdul-Hay M. Acute lymphoblastic leukemia: a comprehensive review and 2017 update. "
        "Blood Cancer J. 2017 Jun 30;7(6):e577.",
        "3. Foà R, GIMEMA Working Party, et al. Dasatinib and blinatumomab for Philadelphia chromosome-positive "
        "leukemia. Blood. 2020;136(Suppl 1):S23.",
    ],
    # AMA 11: more than six authors -> first three "et al."; year only; full page range with a
    # hyphen; "doi:" without a final period.
    "ama": [
        "1. Kantarjian HM, DeAngelo DJ, Stelljes M, et al. Inotuzumab ozogamicin versus standard therapy for "
        "acute lymphoblastic leukemia. N Engl J Med. 2016;375(8):740-753. doi:10.1056/NEJMoa1509277",
        "2. Terwilliger T, Abdul-Hay M. Acute lymphoblastic leukemia: a comprehensive review and 2017 update. "
        "Blood Cancer J. 2017;7(6):e577.",
        "3. Foà R, GIMEMA Working Party, et al. Dasatinib and blinatumomab for Philadelphia chromosome-positive "
        "leukemia. Blood. 2020;136(Suppl 1):S23.",
    ],
    # APA 7: up to 20 authors with "&"; full journal name; "Article e577" for article numbers;
    # DOI as a URL; sorted by author.
    "apa": [
        "Foà, R., GIMEMA Working Party, et al. (2020). Dasatinib and blinatumomab for Philadelphia "
        "chromosome-positive leukemia. Blood, 136(Suppl 1), S23.",
        "Kantarjian, H. M., DeAngelo, D. J., Stelljes, M., Martinelli, G., Liedtke, M., Stock, W., Gökbuget, N., "
        "& O'Brien, S. (2016). Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic leukemia. "
        "The New England Journal of Medicine, 375(8), 740–753. https://doi.org/10.1056/NEJMoa1509277",
        "Terwilliger, T., & Abdul-Hay, M. (2017). Acute lymphoblastic leukemia: a comprehensive review and 2017 "
        "update. Blood Cancer Journal, 7(6), Article e577.",
    ],
    # Nature: more than five authors -> first author "et al."; "&" before the last of two;
    # abbreviated journal, volume, pages, (year).
    "nature": [
        "1. Kantarjian, H. M. et al. Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic "
        "leukemia. N Engl J Med 375, 740–753 (2016).",
        "2. Terwilliger, T. & Abdul-Hay, M. Acute lymphoblastic leukemia: a comprehensive review and 2017 update. "
        "Blood Cancer J 7, e577 (2017).",
        "3. Foà, R., GIMEMA Working Party et al. Dasatinib and blinatumomab for Philadelphia chromosome-positive "
        "leukemia. Blood 136, S23 (2020).",
    ],
}


@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_renderings_follow_the_style_rules(style):
    assert bibliography.render(RECORDS, style).splitlines() == EXPECTED[style]


def test_aliases_and_full_names_agree():
    assert bibliography.render(RECORDS, "vancouver") == bibliography.render(RECORDS, "nlm-citation-sequence")
    assert bibliography.render(RECORDS, "ama") == bibliography.render(RECORDS, "american-medical-association")


def test_title_case_where_the_style_asks_for_it():
    # Chicago author-date capitalises headline-style; the stored title is sentence case
    out = bibliography.render(RECORDS[1:2], "chicago")
    assert "“Acute Lymphoblastic Leukemia: A Comprehensive Review and 2017 Update”" in out


def test_a_journal_style_resolves_to_its_parent():
    # Blood's dependent style points at AMA
    assert bibliography.render(RECORDS, "blood") == bibliography.render(RECORDS, "ama")


def test_html_and_markdown():
    html = bibliography.render(RECORDS[:2], "nature", "html")
    assert html.startswith('<div class="csl-bib-body">\n  <div class="csl-entry">1. Kantarjian, H. M. <i>et al.</i>') or \
        html.startswith('<div class="csl-bib-body">\n  <div class="csl-entry">1. Kantarjian, H. M. et al.')
    assert "<i>N Engl J Med</i> <b>375</b>, 740–753 (2016)." in html
    assert "Terwilliger, T. &amp; Abdul-Hay, M." in html
    md = bibliography.render(RECORDS[:2], "ama", "markdown")
    assert md.split("\n\n")[1] == ("2. Terwilliger T, Abdul-Hay M. Acute lymphoblastic leukemia: a comprehensive "
                                   "review and 2017 update. *Blood Cancer J*. 2017;7(6):e577.\n")


def test_unknown_style_suggests_names():
    with pytest.raises(ExportError, match=r"unknown citation style 'natur'; did you mean nature"):
        bibliography.render(RECORDS, "natur")


# --- the command --------------------------------------------------------------------------


def test_format_renders_the_seed_library_in_the_four_styles(invoke):
    library = ROOT / "refs.bib"
    first = {
        "vancouver": "1. Korkmaz S. Clinical use of CAR T-cells in treating acute lymphoblastic leukemia.",
        "ama": "1. Korkmaz S. Clinical use of CAR T-cells in treating acute lymphoblastic leukemia.",
        "apa": "Anagnostou, T., Riaz, I. B., Hashmi, S. K., Murad, M. H., & Kenderian, S. S. (2020).",
        "nature": "1. Korkmaz, S. Clinical use of CAR T-cells in treating acute lymphoblastic leukemia.",
    }
    for style, start in first.items():
        result = invoke(["format", "--library", library, "--style", style], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) == 35 and lines[0].startswith(start)
        assert result.stderr == ""
    vancouver = invoke(["format", "--library", library]).stdout.splitlines()
    assert "2. Terwilliger T, Abdul-Hay M. Acute lymphoblastic leukemia: a comprehensive review and 2017 update. " \
           "Blood Cancer J. 2017;7:e577." in vancouver


def test_format_reads_files_and_writes_by_extension(invoke, tmp_path):
    src = tmp_path / "in.ris"
    src.write_text("TY  - JOUR\nAU  - Terwilliger, T.\nAU  - Abdul-Hay, M.\nTI  - Acute lymphoblastic leukemia\n"
                   "T2  - Blood Cancer J\nVL  - 7\nSP  - e577\nPY  - 2017\nER  - \n")
    out = tmp_path / "refs.html"
    result = invoke(["format", src, "--style", "apa", "-o", out], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == ""
    assert "<i>Blood Cancer J</i>, <i>7</i>, Article e577." in out.read_text()


def test_format_errors_are_one_line(invoke, tmp_path):
    result = invoke(["format", "--library", tmp_path / "none.bib"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    result = invoke(["format", "--library", ROOT / "refs.bib", "--style", "no-such-style"])
    assert result.exit_code == 2 and "unknown citation style 'no-such-style'" in result.stderr
    listed = invoke(["format", "--list-styles"]).stdout.split()
    assert {"apa", "nature", "blood", "nlm-citation-sequence", "ieee", "the-lancet"} <= set(listed)


@pytest.mark.parametrize("pages, shown", [("1-10", "1–10"), ("100-105", "100–5"), ("1485-1497", "1485–97"),
                                          ("98-102", "98–102"), ("5-9", "5–9")])
def test_vancouver_shortens_page_ranges_without_losing_digits(pages, shown):
    """citeproc-py 0.11 printed "1–0" for 1-10 (see bibliography._fix_page_ranges)."""
    rec = Record(id="a", issued=Date(2010), author=[person("Okafor", "Nkem")])
    for name, value in {"title": "Rivers", "container-title": "J Hydrol", "volume": "5", "page": pages}.items():
        rec.set(name, value)
    assert bibliography.render([rec], "vancouver").strip().endswith(f"2010;5:{shown}.")


def test_a_reference_kept_as_text_shows_its_text():
    rec = Record(id="b", type="document")
    rec.set("note", "Personal communication, J. Okafor, 2019.")
    assert "Personal communication, J. Okafor, 2019." in bibliography.render([rec], "vancouver")
