"""Pasted pages: every layout, every kind of chrome, identifiers, normalisation, styles.

The texts here are written for these tests (not copied from the shared documents): each
shows one layout or rule the way pages paste it.
"""
from __future__ import annotations

import json
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refmill.model import Record, normalize_pages
from refmill.parsing import parse_text
from refmill.parsing.clean import is_chrome, normalize_unicode, strip_chrome
from refmill.parsing.fields import parse_reference
from refmill.parsing.identifiers import take_identifiers
from refmill.parsing.names import parse_name, scan_names
from refmill.parsing.split import join_lines

A = "Okafor CN, Lindqvist B. Tidal mixing in shallow estuaries. J Coast Res. 2019;35(4):812-21."
B = "Marchetti L, de la Cruz P, van der Berg J. Sediment plumes after dredging. Mar Pollut Bull. 2020;151:110842."
C = "Haugen T. Salt marsh recovery after storms: a ten-year record. Estuaries Coasts. 2018;41(2):455-70."


def titles(text: str, **kw) -> list[str]:
    records, problems = parse_text(text, "page.txt", **kw)
    assert problems == []
    return [r.title for r in records]


WANT = ["Tidal mixing in shallow estuaries", "Sediment plumes after dredging",
        "Salt marsh recovery after storms: a ten-year record"]


# --- layouts -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "layout, text",
    [
        ("dot", f"1. {A}\n2. {B}\n3. {C}\n"),
        ("bracket", f"[1] {A}\n[2] {B}\n[3] {C}\n"),
        ("close paren", f"1) {A}\n2) {B}\n3) {C}\n"),
        ("parens", f"(1) {A}\n(2) {B}\n(3) {C}\n"),
        ("number alone (Wiley)", f"1\n{A}\n\n2\n{B}\n\n3\n{C}\n"),
        ("number and dot alone (Silverchair)", f"1.\n{A}\n\n2.\n{B}\n\n3.\n{C}\n"),
        ("blank lines", f"{A}\n\n{B}\n\n{C}\n"),
        ("one per line", f"{A}\n{B}\n{C}\n"),
        ("list after other text", f"Discussion\nOur results agree with earlier work on estuaries.\n\nReferences\n1. {A}\n2. {B}\n3. {C}\n"),
        ("heading then blank-separated", f"Some article text that is not a reference at all.\n\nReferences\n\n{A}\n\n{B}\n\n{C}\n"),
    ],
)
def test_every_layout_gives_one_record_per_reference(layout, text):
    assert titles(text) == WANT, layout


def test_sciencedirect_author_bullets():
    text = (
        "  • Okafor C.N.\n  • Lindqvist B.\nTidal mixing in shallow estuaries.\nJ Coast Res. 2019; 35: 812-821\n"
        "View in Article\nScopus (12)\nPubMed\nCrossref\nGoogle Scholar\n"
        "  • Haugen T.\n  • et al.\nSalt marsh recovery after storms.\nEstuaries Coasts. 2018; 41: 455-470\n"
        "Google Scholar\n"
    )
    records, _ = parse_text(text, "sd.txt")
    assert [r.title for r in records] == ["Tidal mixing in shallow estuaries", "Salt marsh recovery after storms"]
    assert [a.family for a in records[0].author] == ["Okafor", "Lindqvist"]
    assert records[1].truncated and records[1].get("page") == "455-470"


def test_pdf_wrapped_references_with_hanging_indents_and_hyphenation():
    text = (
        "[1] Okafor CN, Lindqvist B. Tidal mixing in shallow estu-\n"
        "    aries and the B-\n"
        "    cell response. J Coast Res. 2019;35(4):812-21.\n"
        "[2] Haugen T. Salt marsh recovery after storms. Estuaries\n"
        "    Coasts. 2018;41(2):455-70.\n"
    )
    records, _ = parse_text(text, "pdf.txt")
    assert [r.title for r in records] == ["Tidal mixing in shallow estuaries and the B-cell response",
                                          "Salt marsh recovery after storms"]
    assert records[1].get("container-title") == "Estuaries Coasts"


def test_wrapped_lines_without_numbers_are_joined():
    text = (
        "Okafor CN, Lindqvist B. Tidal mixing in shallow estuaries. J Coast\n"
        "    Res. 2019;35(4):812-21.\n"
        "Haugen T. Salt marsh recovery after storms: a ten-year record.\n"
        "    Estuaries Coasts. 2018;41(2):455-70.\n"
    )
    assert titles(text) == [WANT[0], WANT[2]]


@pytest.mark.parametrize(
    "lines, joined",
    [
        (["immuno-", "therapy of tumours"], "immunotherapy of tumours"),
        (["the B-", "cell response"], "the B-cell response"),
        (["IL-", "8 levels"], "IL-8 levels"),
        (["self-", "report scales"], "self-report scales"),
        (["doi:10.1000/abc-", "def"], "doi:10.1000/abc-def"),
        (["https://example.org/", "paper.pdf"], "https://example.org/paper.pdf"),
    ],
)
def test_end_of_line_hyphenation(lines, joined):
    assert join_lines(lines) == joined


def test_prose_on_a_page_is_not_a_reference():
    text = (
        "Tidal mixing controls how sediment settles, and it has been studied for decades.\n\n"
        "April 3, 2024\n\n"
        f"{A}\n"
    )
    records, _ = parse_text(text, "page.txt")
    assert [r.title for r in records] == [WANT[0]]


def test_a_number_inside_a_reference_starts_no_new_one():
    text = f"1. {A}\n2. Haugen T. Salt marsh recovery after storms. Estuaries Coasts.\n2018;41(2):455-70.\n3. {B}\n"
    assert len(titles(text)) == 3


def test_a_list_numbered_past_9999_gives_one_block_per_reference():
    from refmill.parsing.split import split_blocks
    lines = [f"{n}. Doe J. Title number {n}. J Test. 2020;{n}:1-9." for n in range(1, 10_003)]
    blocks = split_blocks(lines)
    assert len(blocks) == 10_002 and blocks[-1].text == "Doe J. Title number 10002. J Test. 2020;10002:1-9."


def test_joining_a_block_of_many_lines_stays_linear():
    # each line ends in a DOI broken at "/": every join looks back at what came before
    lines = ["see 10.1000/"] * 100_000
    start = time.perf_counter()
    joined = join_lines(lines)
    assert time.perf_counter() - start < 2 and joined.count("see 10.1000/") == 100_000


def test_one_per_line_strips_numbering_and_chrome_but_keeps_line_count():
    text = f"1. {A} [PubMed] [Google Scholar]\nGoogle Scholar\n[3] {C}\n"
    records, problems = parse_text(text, "refs.txt", one_per_line=True)
    assert [r.custom["line"] for r in records] == [1, 2, 3]
    assert records[0].title == WANT[0] and records[2].title == WANT[2]
    assert records[1].fields == {} and len(problems) == 1


# --- chrome --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "line",
    [
        f"{A} [DOI] [PubMed] [Google Scholar]",
        f"{A} [PMC free article] [PubMed] [Google Scholar]",
        f"{A} CAS PubMed Web of Science® Google Scholar",
        f"{A} Crossref PubMed Google Scholar",
        f"{A} Google Scholar",
        f"{A} View in Article Scopus (87)",
        f"{A} Open in a new tab",
        f"↑ {A}",
        f"^ a b {A}",
        f"{A} [CrossRef] [Medline]",
    ],
)
def test_chrome_inside_a_line_is_cut(line):
    assert strip_chrome(line) == A


@pytest.mark.parametrize(
    "line",
    ["Google Scholar", "Crossref", "PubMed", "Scopus (123)", "View in Article", "Web of Science®",
     "Search ADS", "CAS", "Open in a new tab", "Download citation file:", "Full Text", "Abstract",
     "Article", "↑", "CAS PubMed Web of Science® Google Scholar", "Purchase access",
     "Access through your institution", "Sign in", "Cited by (12)", "Check for updates",
     "Subscribe to Estuaries and Coasts", "Published: March 3, 2021"],
)
def test_chrome_lines(line):
    assert is_chrome(line)


def test_chrome_words_that_belong_to_a_reference_stay():
    cas = "Lee K. The CAS registry and chemical identifiers. J Chem Inf. 2015;55(1):1-9."
    assert strip_chrome(cas) == cas
    assert not is_chrome(cas)
    assert parse_reference(cas).title == "The CAS registry and chemical identifiers"
    article = "Park J. Writing the research article. Sci Ed. 2012;35:4-8. Article"
    assert strip_chrome(article) == article  # one weak label alone at the end is not cut


def test_no_chrome_leaks_into_fields_on_a_pmc_page():
    text = "\n".join(f"{i}. {r} [DOI] [PubMed] [Google Scholar]" for i, r in enumerate([A, B, C], 1))
    records, _ = parse_text(text, "pmc.txt")
    blob = json.dumps([r.to_csl(with_custom=False) for r in records])
    for chrome in ("Google Scholar", "PubMed", "[DOI]", "Crossref"):
        assert chrome not in blob


# --- identifiers -----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, doi",
    [
        ("Okafor C. Tides. J Coast Res. 2019;35:812. doi:10.2112/JCOASTRES-D-18-00123.1.", "10.2112/JCOASTRES-D-18-00123.1"),
        ("Okafor C. Tides. J Coast Res. 2019;35:812. doi: 10.2112/jcr.2019.35", "10.2112/jcr.2019.35"),
        ("Okafor C. Tides. J Coast Res. 2019;35:812. https://doi.org/10.2112/jcr.2019.35.", "10.2112/jcr.2019.35"),
        ("Okafor C. Tides. J Coast Res. 2019;35:812. http://dx.doi.org/10.2112/jcr.2019.35;", "10.2112/jcr.2019.35"),
        ("Okafor C (2019) Tides. J Coast Res 35:812 10.1016/S0140-6736(19)30012-3.", "10.1016/S0140-6736(19)30012-3"),
        ("Okafor C. Tides. J Coast Res. 2019;35:812 (doi:10.2112/jcr.2019.35).", "10.2112/jcr.2019.35"),
    ],
)
def test_doi_forms_and_trailing_punctuation(text, doi):
    rec = parse_reference(text)
    assert rec.doi == doi
    assert "10." not in json.dumps(rec.to_csl(with_custom=False)).replace(doi, "")


def test_pubmed_identifiers():
    rec = Record()
    rest = take_identifiers("Okafor C. Tides. J Coast Res. 2019;35:812. PMID: 31234567; PMCID: PMC6543210.", rec)
    assert (rec.get("PMID"), rec.get("PMCID")) == ("31234567", "PMC6543210")
    assert "PM" not in rest


@pytest.mark.parametrize(
    "text, arxiv",
    [
        ("Nguyen A. Sparse tides. arXiv:2101.01234v2, 2021.", "2101.01234v2"),
        ("Nguyen A. Sparse tides. arXiv preprint arXiv:1905.0001 (2019).", "1905.0001"),
        ("Nguyen A. Sparse tides. arXiv:hep-th/9901001, 1999.", "hep-th/9901001"),
        ("Nguyen A. Sparse tides. CoRR, abs/1801.00001, 2018.", "1801.00001"),
        ("Nguyen A. Sparse tides. https://arxiv.org/abs/2002.00002 (2020).", "2002.00002"),
    ],
)
def test_arxiv_identifiers(text, arxiv):
    rec = Record()
    take_identifiers(text, rec)
    assert rec.custom["arxiv"] == arxiv


def test_isbn_and_url_and_access_date():
    rec = parse_reference(
        "World Meteorological Organization. State of the climate 2020 [Internet]. Geneva: WMO; 2021 "
        "[cited 2024 Jan 3]. Available from: https://library.wmo.int/records/item/56247 (report)."
    )
    assert rec.get("URL") == "https://library.wmo.int/records/item/56247"
    assert (rec.accessed.year, rec.accessed.month, rec.accessed.day) == (2024, 1, 3)
    assert rec.author[0].literal == "World Meteorological Organization"
    assert rec.get("publisher") == "WMO" and rec.get("publisher-place") == "Geneva" and rec.year == 2021
    book = parse_reference("Haugen T. Coastal wetlands. 2nd ed. Oslo: Fjord Press; 2017. ISBN 978-0-306-40615-7.")
    assert book.get("ISBN") == "978-0-306-40615-7" and book.get("edition") == "2"
    assert book.type == "book" and book.get("publisher") == "Fjord Press"


# --- normalisation ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "printed, family, particle, given",
    [
        ("van der Berg J", "Berg", "van der", "J."),
        ("de la Cruz, P.", "Cruz", "de la", "P."),
        ("Van Dyke, R. A.", "Van Dyke", "", "R. A."),
        ("Smith JA", "Smith", "", "J. A."),
        ("John A. Smith", "Smith", "", "John A."),
        ("Smith, John A.", "Smith", "", "John A."),
        ("J.-P. Sartre", "Sartre", "", "J.-P."),
        ("Husson (J.-P.)", "Husson", "", "J.-P."),
    ],
)
def test_name_forms(printed, family, particle, given):
    name = scan_names(printed).names[0]
    assert (name.family, name.non_dropping_particle, name.given) == (family, particle, given)


def test_organisation_as_author():
    rec = parse_reference("Centers for Disease Control and Prevention. Tide pools and health. MMWR. 2019;68(2):1-5.")
    assert [a.literal for a in rec.author] == ["Centers for Disease Control and Prevention"]
    assert parse_name("WHO Collaborative Group").literal == "WHO Collaborative Group"


def test_et_al_is_a_truncated_list_not_an_author():
    rec = parse_reference("Okafor CN, Lindqvist B, et al. Tidal mixing. J Coast Res. 2019;35:812-21.")
    assert [a.family for a in rec.author] == ["Okafor", "Lindqvist"] and rec.truncated


@pytest.mark.parametrize(
    "printed, unified",
    [("1485-97", "1485-1497"), ("1485–1497", "1485-1497"), ("e816–e826", "e816-e826"),
     ("S23-S24", "S23-S24"), ("123-9", "123-129"), ("5", "5"), ("e142-5", "e142-e145")],
)
def test_page_ranges(printed, unified):
    assert normalize_pages(printed) == unified


@pytest.mark.parametrize(
    "text, volume, issue, page",
    [
        ("Okafor C. Tides. Blood. 2012;120(Suppl 2):45-50.", "120", "Suppl 2", "45-50"),
        ("Okafor C. Tides. Int Dent J 2017;67 Suppl 2:7-13.", "67", "Suppl 2", "7-13"),
        ("Okafor C. Tides. Blood. 2012;120:S23-S24.", "120", None, "S23-S24"),
    ],
)
def test_supplements(text, volume, issue, page):
    rec = parse_reference(text)
    assert (rec.get("volume"), rec.get("issue") or None, rec.get("page")) == (volume, issue, page)


def test_in_press_and_years_with_letters():
    rec = parse_reference("Okafor C. Tidal mixing in estuaries. J Coast Res. In press.")
    assert rec.get("status") == "in press" and rec.get("container-title") == "J Coast Res"
    rec = parse_reference("Okafor, C. (2019a). Tidal mixing in estuaries. Journal of Coastal Research, 35(4), 812-821.")
    assert rec.year == 2019 and rec.get("year-suffix") == "a"


def test_unicode_clean_up():
    text = normalize_unicode("ﬁsh\u00a0and\u200b chips\u00ad, Bjo \u0308rklund \u2010 x\r\n")
    assert text == "fish and chips, Björklund - x\n"


def _normalize_slowly(text: str) -> str:
    """The clean-up spelled out step by step: what the fast paths must agree with."""
    import unicodedata

    from refmill.parsing import clean

    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    for table in (clean._INVISIBLE, clean._SPACES, clean._HYPHENS, clean._QUOTES):
        text = text.translate(table)
    for lig, plain in clean._LIGATURES.items():
        text = text.replace(lig, plain)
    text = re.sub(r"(?<=[^\W\d_]) ([\u0300-\u036f])", r"\1", text)
    text = re.sub(r"``(.*?)''", "\u201c\\1\u201d", text)
    return unicodedata.normalize("NFC", text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab ,.`'\t\r\n\x0c-") + ["\u00a0", "\u200b", "\u00ad", "ﬁ", "\u0308", "e\u0301",
                                                           "é", "\u2010", "\u2028", "\u201f", "\uff02"]),
                max_size=40).map("".join))
def test_unicode_clean_up_fast_paths_agree_with_the_plain_steps(text):
    assert normalize_unicode(text) == _normalize_slowly(text)


# --- styles ------------------------------------------------------------------------------------

STYLES = [
    ("Vancouver", "Okafor CN, Lindqvist B. Tidal mixing in shallow estuaries. J Coast Res. 2019 Mar;35(4):812-21.",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "J Coast Res", "volume": "35", "issue": "4", "page": "812-821"}),
    ("AMA", "Okafor CN, Lindqvist B. Tidal mixing in shallow estuaries. J Coast Res. 2019;35(4):812-821. doi:10.2112/jcr.1",
     {"title": "Tidal mixing in shallow estuaries", "volume": "35", "DOI": "10.2112/jcr.1"}),
    ("APA", "Okafor, C. N., & Lindqvist, B. (2019). Tidal mixing in shallow estuaries. Journal of Coastal Research, 35(4), 812–821.",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "Journal of Coastal Research", "issue": "4", "page": "812-821"}),
    ("Harvard", "Okafor, C.N. and Lindqvist, B., 2019. Tidal mixing in shallow estuaries. Journal of Coastal Research, 35(4), pp.812-821.",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "Journal of Coastal Research", "page": "812-821"}),
    ("Chicago", "Okafor, Chidi N., and Britt Lindqvist. “Tidal Mixing in Shallow Estuaries.” Journal of Coastal Research 35, no. 4 (2019): 812–21.",
     {"title": "Tidal Mixing in Shallow Estuaries", "container-title": "Journal of Coastal Research", "volume": "35", "issue": "4", "page": "812-821"}),
    ("MLA", "Okafor, Chidi N., and Britt Lindqvist. “Tidal Mixing in Shallow Estuaries.” Journal of Coastal Research, vol. 35, no. 4, 2019, pp. 812-21.",
     {"title": "Tidal Mixing in Shallow Estuaries", "container-title": "Journal of Coastal Research", "volume": "35", "issue": "4"}),
    ("IEEE", "C. N. Okafor and B. Lindqvist, “Tidal mixing in shallow estuaries,” J. Coast. Res., vol. 35, no. 4, pp. 812–821, Mar. 2019.",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "J. Coast. Res", "volume": "35", "page": "812-821"}),
    ("Nature", "Okafor, C. N. & Lindqvist, B. Tidal mixing in shallow estuaries. J. Coast. Res. 35, 812–821 (2019).",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "J. Coast. Res", "volume": "35", "page": "812-821"}),
    ("ASH/Blood", "Chidi N. Okafor, Britt Lindqvist; Tidal mixing in shallow estuaries. Blood 2019; 134 (4): 812–821.",
     {"title": "Tidal mixing in shallow estuaries", "container-title": "Blood", "volume": "134", "issue": "4"}),
]


@pytest.mark.parametrize("style, text, want", STYLES, ids=[s[0] for s in STYLES])
def test_journal_article_styles(style, text, want):
    rec = parse_reference(text)
    assert [a.family for a in rec.author] == ["Okafor", "Lindqvist"]
    assert rec.year == 2019 and rec.type == "article-journal"
    got = {k: rec.get(k).rstrip(".") for k in want}
    assert got == {k: v.rstrip(".") for k, v in want.items()}


def test_book():
    rec = parse_reference("Haugen, Tove. Coastal Wetlands: A History. Oxford: Clarendon Press, 2017.")
    assert (rec.type, rec.title, rec.get("publisher"), rec.get("publisher-place"), rec.year) == (
        "book", "Coastal Wetlands: A History", "Clarendon Press", "Oxford", 2017)


def test_chapter_with_editors():
    rec = parse_reference(
        "Okafor CN. Tidal mixing. In: Haugen T, Marchetti L, eds. Estuaries of the North. 2nd ed. "
        "Oslo: Fjord Press; 2017:45-67."
    )
    assert rec.type == "chapter" and rec.title == "Tidal mixing"
    assert [e.family for e in rec.editor] == ["Haugen", "Marchetti"]
    assert rec.get("container-title") == "Estuaries of the North"
    assert (rec.get("publisher"), rec.get("page"), rec.year) == ("Fjord Press", "45-67", 2017)
    apa = parse_reference(
        "Okafor, C. (2017). Tidal mixing. In T. Haugen & L. Marchetti (Eds.), Estuaries of the North (pp. 45–67). Fjord Press."
    )
    assert apa.type == "chapter" and [e.family for e in apa.editor] == ["Haugen", "Marchetti"]
    assert apa.get("container-title") == "Estuaries of the North" and apa.get("page") == "45-67"


def test_conference_paper():
    rec = parse_reference(
        "C. N. Okafor, “Tidal mixing in estuaries,” in Proceedings of the International Conference on Coastal "
        "Engineering, Lisbon, 2019, pp. 12–19."
    )
    assert rec.type == "paper-conference" and rec.title == "Tidal mixing in estuaries"
    assert rec.get("container-title").startswith("Proceedings of the International Conference on Coastal Engineering")
    assert rec.get("page") == "12-19" and rec.year == 2019


def test_thesis_and_report():
    thesis = parse_reference("Okafor CN. Tidal mixing in estuaries [PhD thesis]. Bergen: University of Bergen; 2018.")
    assert thesis.type == "thesis" and thesis.get("publisher") == "University of Bergen"
    report = parse_reference("Haugen T. Storm surge statistics. Technical Report No. 42. Oslo: Norwegian Coastal Agency; 2016.")
    assert report.type == "report" and report.year == 2016


# --- robustness ------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=600))
def test_arbitrary_text_never_raises(text):
    start = time.perf_counter()
    records, problems = parse_text(text, "fuzz.txt")
    parse_text(text, "fuzz.txt", one_per_line=True)
    assert time.perf_counter() - start < 5
    assert all(isinstance(r, Record) for r in records)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["Smith", "J.", "A", "(2001)", ",", ".", ";", ":", "“", "”", "In", "eds.",
                                 "Vol.", "12", "pp.", "45-67", "Press", "London", "doi:10.1/x", "et al.", "\n",
                                 "[1]", "1.", "Google Scholar", "NATURAL", "DYES"]), max_size=80))
def test_reference_like_noise_never_raises(tokens):
    text = " ".join(tokens)
    start = time.perf_counter()
    parse_text(text, "fuzz.txt")
    assert time.perf_counter() - start < 5


def test_cli_parses_a_numbered_page_from_stdin(invoke):
    page = f"References\n1. {A} [PubMed]\n2. {B} [Google Scholar]\n"
    result = invoke(["parse", "-", "--format", "jsonl"], input=page)
    assert result.exit_code == 0, result.stderr
    out = [json.loads(l) for l in result.stdout.splitlines()]
    assert [r["title"] for r in out] == WANT[:2]
    assert out[1]["author"][1] == {"family": "Cruz", "given": "P.", "non-dropping-particle": "de la"}


def test_a_bracket_numbered_page_is_pasted_text_not_json(invoke, tmp_path):
    from refmill.formats import detect

    page = tmp_path / "refs.txt"
    page.write_text(f"[1] {A}\n[2] {B}\n", encoding="utf-8")
    assert detect(str(page), page.read_text()) == "text"
    result = invoke(["import", page, "--library", tmp_path / "lib.bib"])
    assert result.exit_code == 0, result.stderr
    assert "2 added" in result.stderr


def test_sciencedirect_book_reference():
    text = ("  • Haugen T.\nCoastal wetlands: a history.\nOxford: Clarendon Press, 2017\nGoogle Scholar\n"
            "  • Okafor C.N.\nTidal mixing in shallow estuaries.\nJ Coast Res. 2019; 35: 812-821\n")
    records, _ = parse_text(text, "sd.txt")
    assert records[0].type == "book" and records[0].get("publisher") == "Clarendon Press" and records[0].year == 2017
    assert records[1].get("container-title") == "J Coast Res"


def test_taylor_and_francis_link_labels_with_commas_are_chrome():
    line = ("Smith J. Title. J Urban Aff. 2019;41:123. [Taylor & Francis Online], [Web of Science ®], "
            "[Google Scholar]")
    assert strip_chrome(line) == "Smith J. Title. J Urban Aff. 2019;41:123."
    assert strip_chrome("Smith J. Title. In: Book. 2019. Chapter Google Scholar") == "Smith J. Title. In: Book. 2019."


@pytest.mark.parametrize("line", [
    "Google Scholar" + " " * 50_000 + "x",
    " " * 50_000 + "x",
    "Google Scholar " * 33 + "x",
    "| " * 240 + "x",
    "x " * 100_000 + "Google Scholar",
    "a | " * 50_000 + "CAS PubMed",
])
def test_chrome_patterns_do_not_backtrack_on_long_runs(line):
    start = time.perf_counter()
    is_chrome(line), strip_chrome(line)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("tail", [
    "View Article PubMed/NCBI Google Scholar",                     # PLOS
    "Abstract Full Text Full Text (PDF) PubMed Scopus (123) Google Scholar",  # Cell Press
    "PubMed Abstract | CrossRef Full Text | Google Scholar",       # Frontiers
    "[ACS Full Text ], [CAS], [Google Scholar]",                   # ACS
    "[Google Scholar] [CrossRef] [PubMed]",                        # MDPI
    "Google Scholar Crossref Search ADS WorldCat",                 # Oxford Academic
    "Crossref PubMed ISI Google Scholar",                          # Science
    "Show in Context View Article Full Text: PDF (1234KB) Google Scholar",  # IEEE Xplore
    "Show in Context CrossRef Google Scholar",
    "Digital Library Google Scholar Cross Ref",                    # ACM Digital Library
    "MathSciNet MATH Google Scholar",                              # Springer, mathematics
    "CrossRefPubMedWeb of ScienceGoogle Scholar",                  # BMJ, glued together
    "CrossRefPubMedGoogle Scholar",
])
def test_publishers_link_labels_are_cut_from_the_line_and_are_chrome_alone(tail):
    ref = "White C. Gamma study of matter. J Biol Chem. 2012;287:300-310."
    assert strip_chrome(f"{ref} {tail}") == ref
    assert is_chrome(tail)


@pytest.mark.parametrize("text", [
    "immuno-\n" * 20_000,            # one block of hyphen-joined lines
    "• A B\n" * 20_000,              # author bullets and nothing else
    "(" * 100_000,                   # a value of unbalanced brackets
    '"' * 100_000,
])
def test_hostile_pastes_parse_in_linear_time(text):
    """Each of these took minutes at 200 KB (quadratic joins, a group re-joined per line, one
    bracket stripped per round); now a second or two."""
    start = time.perf_counter()
    parse_text(text, "hostile.txt")
    assert time.perf_counter() - start < 5


def test_lines_ending_in_a_link_and_organisation_authors_start_new_references():
    """A list pasted one reference per line, without blank lines: a line that ends in a whole
    link is complete, and "National Institute … Excellence." or "Anonymous." opens the next."""
    text = (
        "Garcia, M. (2018). Urban heat islands in river valleys. Retrieved from https://example.org/heat\n"
        "National Institute for Health and Care Excellence. Hypertension in adults: diagnosis and management. "
        "London: NICE; 2019.\n"
        "O'Neil, C., & McDonald-Smith, R. (2021). Weapons of math destruction revisited. Big Data & Society, "
        "8(1), 1-12. https://doi.org/10.1177/20539517211012345\n"
        "Anonymous. Editorial: the year in review. N Engl J Med. 2010;362(1):1-2.\n"
    )
    records, _ = parse_text(text, "list.txt")
    assert [r.custom["line"] for r in records] == [1, 2, 3, 4]
    assert records[1].author[0].literal == "National Institute for Health and Care Excellence"
    assert records[2].doi == "10.1177/20539517211012345" and records[3].year == 2010


def test_numbers_followed_only_by_a_space_number_a_list():
    """"1 Smith J, …" (a PDF's list): three references, not one swallowing the next two."""
    text = ("1 Smith J, Jones K. Alpha study of things. Nature. 2010;465:100-105.\n"
            "2 Brown A, Green B. Beta study of stuff. Cell. 2011;144:200-210.\n"
            "3 White C. Gamma study of matter. J Biol Chem. 2012;287:300-310.\n")
    records, _ = parse_text(text, "list.txt")
    assert [r.title for r in records] == ["Alpha study of things", "Beta study of stuff", "Gamma study of matter"]


SCIENCEDIRECT_2023 = """References

1.
J. Okafor, K. Lindqvist
Alpha study of river sediments
Water Res., 165 (2019), pp. 100-105
View PDFView articleView in ScopusGoogle Scholar
2.
A. Brennan, B. Castillo, C. Whitfield
Beta study of estuaries
Estuar. Coast. Shelf Sci., 144 (4) (2011), pp. 200-210, 10.1016/j.ecss.2011.01.001
View articleView in ScopusGoogle Scholar
3.
D. Marsh
Gamma study of tides
J. Geophys. Res., 287 (2012), Article 300
CrossrefView in ScopusGoogle Scholar
"""


def test_sciencedirect_numbered_list_of_2023_one_part_per_line():
    """Names, title and source on lines of their own, and the links glued together."""
    records, problems = parse_text(SCIENCEDIRECT_2023, "sd.txt")
    assert not problems
    assert [[a.family for a in r.author] for r in records] == [
        ["Okafor", "Lindqvist"], ["Brennan", "Castillo", "Whitfield"], ["Marsh"]]
    assert [r.title for r in records] == ["Alpha study of river sediments", "Beta study of estuaries",
                                          "Gamma study of tides"]
    assert [r.get("page") for r in records] == ["100-105", "200-210", "300"]
    assert records[1].doi == "10.1016/j.ecss.2011.01.001" and records[1].get("URL") == ""
    assert not any(r.get("note") for r in records)


@pytest.mark.parametrize("marker", ["{n} ", "{n}. "])
def test_numbered_sections_before_the_references_heading_are_not_a_list(marker):
    """A whole article pasted: "1 Introduction … 3 Results" number its sections, not its
    references; only what follows "References" is read."""
    sections = "".join(f"{marker.format(n=n)}{name}\nSome text about things (Smith, 2010) in 2019.\n\n"
                       for n, name in enumerate(["Introduction", "Methods", "Results"], 1))
    text = ("Title of the paper\n\n" + sections + "References\n\n"
            "Smith, J. (2010). Alpha study of things. Nature, 465, 100-105.\n"
            "Brown, A., & Green, B. (2011). Beta study of stuff. Cell, 144, 200-210.\n")
    records, problems = parse_text(text, "article.txt")
    assert [r.title for r in records] == ["Alpha study of things", "Beta study of stuff"] and not problems
    lines = text.split("\n")
    assert [lines[r.custom["line"] - 1][:5] for r in records] == ["Smith", "Brown"]


WILEY_2024 = """References

Okafor, N., & Lindqvist, K. (2010). Alpha study of river sediments. Water Research, 44, 100–105.
Wiley Online Library
PubMed
Web of Science®
Google Scholar

Brennan, A. (2011). Beta study of estuaries. Estuaries and Coasts, 34, 200–210.
Crossref
CAS
PubMed
Web of Science®
Google Scholar

Citing Literature
Download references
"""


def test_wiley_page_links_on_lines_of_their_own_are_chrome():
    records, _ = parse_text(WILEY_2024, "wiley.txt")
    assert [r.title for r in records] == ["Alpha study of river sediments", "Beta study of estuaries"]
    assert all(r.get("publisher") == "" for r in records)


@pytest.mark.parametrize("bullet", ["    - ", "• ", ""])
def test_pmc_links_listed_one_per_line_with_bullets_are_chrome(bullet):
    """PMC's pages since 2024 list a reference's links under it ("- DOI", "- PubMed"); joined
    to the line above they made "10.1038/nature01234.-" and notes of link names."""
    links = "".join(f"{bullet}{label}\n" for label in ("DOI", "PMC", "PubMed", "Google Scholar"))
    text = ("References\n1. Okafor N, Lindqvist K. Alpha study of river sediments. Water Res. 2010;44:100-105. "
            "doi: 10.1016/j.watres.2010.01.001.\n" + links +
            "2. Brennan A. Beta study of estuaries. Estuar Coast. 2011;34:200-210.\n" + links)
    records, _ = parse_text(text, "pmc.txt")
    assert [r.doi for r in records] == ["10.1016/j.watres.2010.01.001", ""]
    assert not any(r.get("note") for r in records)


@pytest.mark.parametrize("line", ["a" + "View PDF" * 20_000 + "x", "a." + "PubMed" * 20_000 + "Google Scholarx",
                                  "a. " + "View article" * 20_000 + " x"])
def test_glued_labels_are_cut_in_linear_time(line):
    start = time.perf_counter()
    strip_chrome(line), is_chrome(line)
    assert time.perf_counter() - start < 0.5


def test_a_name_ending_in_a_label_keeps_its_letters():
    assert strip_chrome("Smith J. Title. J. 2001;1:2.ParisiCAS") == "Smith J. Title. J. 2001;1:2.ParisiCAS"
