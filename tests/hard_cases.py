"""Hand-made records for the hard cases of issue 6, shared by the round-trip and
independent-reader tests: particles, organisations, non-Latin scripts, DOIs with <>[]();,
URLs with %_&#~, LaTeX specials, math and Greek, editors, article numbers, every type."""
from __future__ import annotations

from refmill.model import CSL_TYPES, Date, Name, Record


def person(family: str, given: str = "", **kw: str) -> Name:
    return Name(family=family, given=given, **kw)


EDITORS = [person("Adam", "Margaret P."), person("Berg", "Jan", non_dropping_particle="van den")]

CASES: dict[str, Record] = {
    "particles-and-suffixes": Record(
        id="vanderberg2019particles",
        fields={"title": "Names with particles", "container-title": "Journal of Names", "volume": "3",
                "issue": "2", "page": "101-109"},
        author=[person("Berg", "Jan", non_dropping_particle="van der"),
                person("Fontaine", "Jean", non_dropping_particle="de la"),
                person("King", "Martin Luther", suffix="Jr."),
                person("De Angelo", "D. J."), person("Abdul-Hay", "M."),
                person("Gökbuget", "Nicola"), person("O'Brien", "Susan")],
        issued=Date(2019, 3, 7),
    ),
    "organisations": Record(
        id="who2020report",
        type="report",
        fields={"title": "Global tuberculosis report 2020", "publisher": "World Health Organization",
                "publisher-place": "Geneva", "number": "WHO/HTM/TB/2020.1", "genre": "Technical report",
                "URL": "https://www.who.int/publications/i/item/9789240013131"},
        author=[Name(literal="WHO Collaborative Group"), Name(literal="GIMEMA Working Party"), person("Foà", "Robin")],
        issued=Date(2020),
    ),
    "non-latin-scripts": Record(
        id="wang2021zhongwen",
        fields={"title": "急性淋巴细胞白血病的治疗进展 — Лечение острого лимфобластного лейкоза",
                "container-title": "中华血液学杂志", "volume": "42", "page": "1-8", "language": "zh"},
        author=[person("王", "小明"), person("Иванов", "Иван"), person("Παπαδόπουλος", "Γιώργος"),
                person("山田", "太郎")],
        issued=Date(2021, 1),
    ),
    "doi-and-url-characters": Record(
        id="sici1998biomaterials",
        fields={"title": "A DOI with angle brackets, semicolons and parentheses",
                "container-title": "J Biomed Mater Res", "volume": "43", "issue": "4", "page": "448-456",
                "DOI": "10.1002/(SICI)1097-4636(199812)43:4<448::AID-JBM13>3.0.CO;2-W",
                "URL": "https://example.org/a_b%20c?x=1&y=~2#frag"},
        author=[person("Smith", "J.")],
        issued=Date(1998, 12),
    ),
    "doi-with-brackets": Record(
        id="brackets2001doi",
        fields={"title": "Square brackets in a DOI", "container-title": "Acta", "volume": "1", "page": "5-9",
                "DOI": "10.1000/a[b](c);d_e"},
        author=[person("Jones", "K.")],
        issued=Date(2001),
    ),
    "latex-specials": Record(
        id="specials2015cost",
        fields={"title": "50% of $5 & #1: {braces}, back\\slash, under_score, tilde~ and caret^ -- ``quoted''",
                "container-title": "Journal of Costs & Benefits", "volume": "9", "page": "1-2",
                "abstract": "A 100% result: x_1 & y^2 ~ {z}.", "note": "Reprinted from #3 & $4."},
        author=[person("Smith", "A.")],
        issued=Date(2015),
    ),
    "math-and-greek": Record(
        id="ca2010binding",
        fields={"title": "Binding of Ca$^{2+}$ to α-helices and β-sheets: the Ω-loop of $\\alpha$-synuclein",
                "container-title": "Biochemistry", "volume": "49", "issue": "12", "page": "2601-2610"},
        author=[person("Müller", "Jörg"), person("Øster", "Søren")],
        issued=Date(2010, 3, 30),
    ),
    "chapter-with-editors": Record(
        id="alfen2018hereditary",
        type="chapter",
        fields={"title": "Hereditary neuralgic amyotrophy", "container-title": "GeneReviews",
                "publisher": "University of Washington", "publisher-place": "Seattle (WA)", "page": "1-20",
                "edition": "2", "ISBN": "978-0-306-40615-7", "collection-title": "Medical Genetics"},
        author=[person("Alfen", "Nens", non_dropping_particle="van"), person("Hannibal", "Mark C.")],
        editor=EDITORS,
        issued=Date(2018, 5),
    ),
    "book-by-editors": Record(
        id="adam2020handbook",
        type="book",
        fields={"title": "Handbook of leukemia", "publisher": "Springer", "publisher-place": "Cham",
                "edition": "3", "ISBN": "978-3-16-148410-0", "number-of-pages": "812"},
        editor=EDITORS,
        issued=Date(2020),
    ),
    "article-numbers": Record(
        id="terwilliger2017hard",
        fields={"title": "Acute lymphoblastic leukemia: a comprehensive review and 2017 update",
                "container-title": "Blood Cancer Journal", "container-title-short": "Blood Cancer J",
                "volume": "7", "issue": "6", "page": "e577", "DOI": "10.1038/bcj.2017.53", "PMID": "28665419",
                "PMCID": "PMC5520400", "ISSN": "2044-5385"},
        author=[person("Terwilliger", "T."), person("Abdul-Hay", "M.")],
        issued=Date(2017, 6, 30),
    ),
    "article-number-science": Record(
        id="maude2014hard",
        fields={"title": "Chimeric antigen receptor T cells for sustained remissions in leukemia",
                "container-title": "Sci Transl Med", "volume": "6", "issue": "224", "page": "224ra25"},
        author=[person("Maude", "S. L.")],
        issued=Date(2014),
        custom={"truncated": True},
    ),
    "article-number-digits": Record(
        id="korkmaz2023hard",
        fields={"title": "Clinical use of CAR T-cells in treating acute lymphoblastic leukemia",
                "container-title": "Transfusion and Apheresis Science", "volume": "62", "page": "103666",
                "keyword": "CAR T-cell; leukemia; B-ALL"},
        author=[person("Korkmaz", "Serdal")],
        issued=Date(2023, 2),
        accessed=Date(2024, 1, 15),
    ),
    "preprint-with-arxiv": Record(
        id="vaswani2017attention",
        type="article",
        fields={"title": "Attention is all you need", "URL": "https://arxiv.org/abs/1706.03762",
                "publisher": "arXiv", "status": "preprint", "version": "5"},
        author=[person("Vaswani", "Ashish"), person("Shazeer", "Noam")],
        issued=Date(2017, 6, 12),
        custom={"arxiv": "1706.03762"},
    ),
    "every-field": Record(
        id="full2022every",
        fields={"title": "A record with every text field", "title-short": "Every field",
                "container-title": "Journal of Everything", "container-title-short": "J Everything",
                "collection-title": "Series of Everything", "collection-number": "12", "volume": "30",
                "issue": "4", "supplement": "2", "page": "1485-1497", "number": "7", "number-of-pages": "13",
                "chapter-number": "3", "edition": "2", "genre": "Review article", "medium": "Print",
                "status": "in press", "event-title": "Congress of Everything", "event-place": "Lyon",
                "publisher": "Everything Press", "publisher-place": "London", "archive": "PubMed Central",
                "language": "en", "DOI": "10.1182/blood.2024025802", "PMID": "39808804",
                "PMCID": "PMC1234567", "ISBN": "978-1-23-456789-7", "ISSN": "0006-4971",
                "URL": "https://example.org/every", "abstract": "Everything, abstracted.",
                "keyword": "everything; records", "note": "A note of our own.", "year-suffix": "b",
                "version": "1.2", "section": "Reviews", "source": "PubMed"},
        author=[person("Rampotas", "Alexandros"), person("Roddie", "Claire")],
        editor=[person("Lowenberg", "Bob")],
        issued=Date(2025, 4, 3),
        accessed=Date(2025, 5, 1),
    ),
}

# one complete record of every CSL type the model knows
for kind in sorted(CSL_TYPES):
    CASES[f"type-{kind}"] = Record(
        id=f"type{kind.replace('-', '').replace('_', '')}",
        type=kind,
        fields={"title": f"A {kind} of note", "container-title": "Container of Things", "publisher": "Publisher",
                "number": "42", "URL": f"https://example.org/{kind}", "volume": "1", "page": "1-10"},
        author=[person("Author", "A.")],
        editor=[person("Editor", "E.")],
        issued=Date(2024, 1, 2),
    )
