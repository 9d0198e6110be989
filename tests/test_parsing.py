from __future__ import annotations

import json

import pytest

from conftest import DATA
from refmill.parsing import parse_text
from refmill.parsing.clean import unglue_pages
from refmill.parsing.fields import parse_reference, split_volume_pages
from refmill.parsing.names import family_initials, parse_name
from refmill.parsing.tagged import Segment, tag_reference, title_in_names, to_record
from refmill.parsing.values import drop_role

SEEDS = ["korkmaz-2023-transfus-apher-sci.txt", "rampotas-roddie-2025-blood.txt"]


def flat(rec):
    """A record in the field form of ../shared/seeds/expected.jsonl."""
    csl = rec.to_csl()
    out = {k: csl[k] for k in ("type", "author", "title", "container-title", "volume", "issue", "page", "DOI") if k in csl}
    if rec.year:
        out["year"] = str(rec.year)
    if rec.truncated:
        out["others"] = True
    return out


def seed_records():
    records = []
    for name in SEEDS:
        recs, problems = parse_text((DATA / name).read_text(encoding="utf-8"), f"data/{name}")
        assert problems == []
        records += recs
    return records


def test_seed_pages_give_exactly_the_expected_records(shared):
    expected = [json.loads(l) for l in (shared / "seeds" / "expected.jsonl").read_text().splitlines() if l.strip()]
    records = seed_records()
    refs = [r for r in records if "cited-by" in r.custom]
    own = [r for r in records if "cited-by" not in r.custom]
    assert len(records) == len(expected) == 35
    for want, got in zip(expected, refs + own):
        assert flat(got) == want["fields"], want["id"]


def test_references_name_the_article_that_cited_them():
    records = seed_records()
    korkmaz = records[0]
    assert korkmaz.id == "korkmaz2023clinical"
    assert korkmaz.get("container-title") == "Transfusion and Apheresis Science"  # from "Subscribe to …"
    assert {r.custom["cited-by"] for r in records[1:34]} == {"korkmaz2023clinical"}
    assert records[1].custom["source"] == "data/korkmaz-2023-transfus-apher-sci.txt"
    assert records[1].custom["line"] == 31


def test_page_chrome_never_becomes_a_record():
    titles = [r.title for r in seed_records()]
    assert not any("related article" in t.lower() or "subscribe" in t.lower() for t in titles)
    assert not any(t.startswith(("Incorporation of immunotherapy", "Genetic subtypes")) for t in titles)


def test_same_printed_name_twice_stays_two_authors():
    rec = [r for r in seed_records() if r.title.startswith("CAR-T cell therapy in T-cell")][0]
    assert [a.display() for a in rec.author] == ["Kozani, P. S.", "Kozani, P. S.", "Rahbarizadeh, F."]


@pytest.mark.parametrize(
    "rest, expected",
    [
        ("7e577", {"volume": "7", "page": "e577"}),
        ("34101305", {"volume": "34", "page": "101305"}),
        ("11569117", {"volume": "11", "page": "569117"}),
        ("145 (14): 1485–1497", {"volume": "145", "issue": "14", "page": "1485-1497"}),
        ("12: 527", {"volume": "12", "page": "527"}),
        ("136: S23-S24", {"volume": "136", "page": "S23-S24"}),
    ],
)
def test_lost_separators_are_repaired(rest, expected):
    assert split_volume_pages(rest) == expected


@pytest.mark.parametrize(
    "printed, family, given",
    [
        ("Kantarjian H.M.", "Kantarjian", "H. M."),
        ("De Angelo D.J.", "De Angelo", "D. J."),
        ("Abdul-Hay M.", "Abdul-Hay", "M."),
        ("Smith JA", "Smith", "J. A."),
        ("Rowe J.M", "Rowe", "J. M."),
    ],
)
def test_family_initials(printed, family, given):
    name = family_initials(printed)
    assert (name.family, name.given) == (family, given)


def test_given_family_and_comma_forms():
    assert parse_name("Claire Roddie").family == "Roddie"
    assert parse_name("Roddie, Claire").given == "Claire"


def test_vancouver_line():
    rec = parse_reference(
        "Maude SL, Frey N, Shaw PA, et al. Chimeric antigen receptor T cells for sustained remissions "
        "in leukemia. N Engl J Med. 2014;371(16):1507-17. doi:10.1056/NEJMoa1407222. PMID: 25317870"
    )
    assert [a.family for a in rec.author] == ["Maude", "Frey", "Shaw"] and rec.truncated
    assert rec.title == "Chimeric antigen receptor T cells for sustained remissions in leukemia"
    assert rec.get("container-title") == "N Engl J Med"
    assert (rec.year, rec.get("volume"), rec.get("issue"), rec.get("page")) == (2014, "371", "16", "1507-1517")
    assert rec.doi == "10.1056/NEJMoa1407222" and rec.get("PMID") == "25317870"


def test_one_per_line_gives_one_record_per_line_in_order():
    text = (
        "Terwilliger T, Abdul-Hay M. Acute lymphoblastic leukemia: a comprehensive review. Blood Cancer J. 2017;7(6):e577.\n"
        "\n"
        "this line is not a reference\n"
        "Malard F, Mohty M. Acute lymphoblastic leukaemia. Lancet. 2020;395(10230):1146-62.\n"
    )
    records, problems = parse_text(text, "refs.txt", one_per_line=True)
    assert [r.custom["line"] for r in records] == [1, 3, 4]
    assert records[1].type == "document" and records[1].custom["raw"] == "this line is not a reference"
    assert records[1].fields == {"note": "this line is not a reference"} and records[1].author == []
    assert [str(p) for p in problems] == ["refs.txt:3: not read as a reference; kept as raw text in the note"]
    assert records[2].get("page") == "1146-1162"


@pytest.mark.parametrize("text, authors, title, publisher", [
    ("Soderbergh, Steven, director. Che. DVD. Criterion, 2010.", [("Soderbergh", "Steven")], "Che", ""),
    ("Lee, Ang, director. Brokeback Mountain. Focus Features, 2005. 134 min.", [("Lee", "Ang")],
     "Brokeback Mountain", "Focus Features"),
    ("Coen, Joel, and Ethan Coen, directors. Fargo. Gramercy Pictures, 1996.", [("Coen", "Joel"), ("Coen", "Ethan")],
     "Fargo", "Gramercy Pictures"),
    ("Kubrick, Stanley, director. Dr. Strangelove. Columbia Pictures, 1964.", [("Kubrick", "Stanley")],
     "Dr. Strangelove", ""),
])
def test_a_film_credited_to_its_director(text, authors, title, publisher):
    """MLA credits a film's maker as "Family, Given, director.": the credit is the author (not
    a note, and "director" no name), the next sentence the title, the rest a distributor."""
    (rec,), problems = parse_text(text, "films.txt", one_per_line=True)
    assert not problems
    assert [(a.family, a.given) for a in rec.author] == authors
    assert (rec.type, rec.title) == ("motion_picture", title)
    assert rec.get("container-title") == "" and rec.get("page") == ""
    if publisher:
        assert rec.get("publisher") == publisher
    assert rec.year is not None


def test_a_film_credit_is_not_repeated_in_the_note():
    (rec,), _ = parse_text("Soderbergh, Steven, director. Che. DVD. Criterion, 2010.", "x", one_per_line=True)
    assert "Soderbergh" not in rec.get("note")


def test_a_running_time_is_no_page_range():
    (rec,), _ = parse_text("Lee, Ang, director. Brokeback Mountain. Focus Features, 2005. 134 min.", "x", one_per_line=True)
    assert rec.get("dimensions") == "134 min"


def test_other_credits_name_the_maker_without_making_a_film():
    (rec,), _ = parse_text("Marsalis, Wynton, composer. Blood on the Fields. Columbia, 1997.", "x", one_per_line=True)
    assert [(a.family, a.given) for a in rec.author] == [("Marsalis", "Wynton")]
    assert rec.title == "Blood on the Fields" and rec.type != "motion_picture"


def test_a_publisher_and_a_date_are_enough_evidence(monkeypatch):
    """A book cited by publisher and year reads as a reference; a date alone does not."""
    from refmill.model import Date, Record
    from refmill.parsing import tagged

    book = Record(issued=Date(1994))
    book.set("publisher", "Wiley & Sons")
    monkeypatch.setattr(tagged, "tag_reference", lambda text: book)
    assert tagged.read_reference("anything") is book
    monkeypatch.setattr(tagged, "tag_reference", lambda text: Record(issued=Date(1994)))
    assert tagged.read_reference("anything") is None


# --- pasted-page cases: a role before the title, a title read as names, glued page markers -----


def test_a_role_before_a_quoted_title_is_no_part_of_it():
    rec = tag_reference('Marchand, Claire. contributor, with Louis Tremblay "Montreal". In Canadian Family '
                        'Encyclopedia (Toronto: Maple Leaf Publishing, 2011) Volume M: 112-130.')
    assert (rec.title, rec.get("container-title"), rec.get("page")) == ("Montreal", "Canadian Family Encyclopedia", "112-130")
    rec, _ = to_record([Segment("author", "Berg, Anna.", 0.9), Segment("title", "translator. “The Harbour Lights”.", 0.7)])
    assert rec.title == "The Harbour Lights"
    assert drop_role("editor, with Ann Lee «Le Port»") == "«Le Port»"


@pytest.mark.parametrize(
    "title",
    ['Editorial "Hello" world', "Editor's choice", 'Editors of "Nature" on ethics', 'contributor "unclosed'],
)
def test_a_title_that_only_starts_like_a_role_keeps_its_words(title):
    assert drop_role(title) == title


def test_a_title_read_as_a_pair_of_one_word_names_is_the_title():
    rec = tag_reference("Okafor Chidi, Markets and Migrants, Lagos, 2004")
    assert (len(rec.author), rec.title, rec.get("publisher-place"), rec.year) == (1, "Markets and Migrants", "Lagos", 2004)
    segs = title_in_names([Segment("author", "Marlow Peter, Rivers and Harbours, Bristol,", 0.4), Segment("date", "1976", 1.0)])
    assert [(s.label, s.text) for s in segs] == [
        ("author", "Marlow Peter"), ("title", "Rivers and Harbours"), ("location", "Bristol"), ("date", "1976")]
    assert segs[1].confidence <= 0.5


@pytest.mark.parametrize(
    "names",
    [
        "Smith J, Jones K, Brown A,",  # bare comma-separated list
        "Smith John, Karl Jones and Adam Brown,",  # whole names, given names everywhere
        "Marlow, Peter and Harbour, Ann,",  # inverted: "Peter and Harbour" is a given and a family
        "Van Mulken, Margot & Reenen, Pieter",  # a family name with its particle first
        "Kent TA, Perez Polo JR and Smith JA",  # initials
        "DURAND Pierre, MARTIN et DUPONT,",  # family names in capitals
    ],
)
def test_name_lists_stay_names(names):
    segs = [Segment("author", names, 0.8), Segment("date", "1999", 1.0)]
    assert title_in_names(segs) == segs


def test_name_lists_stay_names_when_a_title_was_found():
    segs = [Segment("author", "Okafor Chidi, Markets and Migrants,", 0.8), Segment("title", "A Study.", 0.9)]
    assert title_in_names(segs) == segs


def test_a_glued_and_spaced_pdf_page_marker_is_repaired():
    rec = tag_reference("A. B. Moreau, K. L. Santos, and R. T. Iqbal, Structural Mechanicspp .5 -41( 2019).")
    assert (rec.title, rec.get("container-title"), rec.get("volume"), rec.get("page"), rec.year) == (
        "Structural Mechanics", "", "", "5-41", 2019)
    assert unglue_pages("Structural Mechanicspp .5 -41( 2019).") == "Structural Mechanics pp .5 -41( 2019)."


@pytest.mark.parametrize(
    "text",
    [
        "Knapp .1 -23( 2017)",  # a short name ending in "pp"
        "Philipp Schmidt, 2017",
        "Worshipp .1 and more",  # not the whole spaced pattern
        "Engineering pp .1 -23( 2017)",  # already a word of its own
        "Engineeringpp. 1-23 (2017)",
    ],
)
def test_words_ending_in_pp_keep_their_letters(text):
    assert unglue_pages(text) == text


def test_a_journal_cited_without_a_volume_or_pp_keeps_its_container():
    rec = tag_reference("P. DURAND et L. MARTIN. Tetrahedron Lett. 2231 (1981).")
    assert (rec.title, rec.get("container-title"), rec.get("page")) == ("", "Tetrahedron Lett", "2231")
    rec, _ = to_record([Segment("author", "K. Novak,", 0.9), Segment("container", "Appl. Opt.", 0.9),
                        Segment("volume", "50,", 0.9), Segment("pages", "pp. 3301-3307", 0.9)])
    assert (rec.title, rec.get("container-title")) == ("", "Appl. Opt.")


@pytest.mark.parametrize("text, want", [
    ("Electrical Engineeringpp .1 -23( 2017)", "Electrical Engineering pp. 1-23(2017)"),
    ("Energypp.393", "Energy pp. 393"),
    ("Knapp. 12", "Knapp. 12"),
    ("Philipp. 2001", "Philipp. 2001"),
])
def test_the_rule_reader_unglues_page_markers_but_not_names_ending_in_pp(text, want):
    from refmill.parsing.fields import _repair_spacing

    assert _repair_spacing(text) == want


def test_a_quote_inside_a_title_does_not_end_it():
    (rec,), _ = parse_text("Smith JA, Jones KL, Brown T. Outcomes of \"the 'quiet' hour\" in wards. BMJ. 2018;360:k123.",
                           "x", one_per_line=True)
    assert rec.title == "Outcomes of \"the 'quiet' hour\" in wards"
    assert (rec.get("container-title"), rec.get("volume"), rec.get("page")) == ("BMJ", "360", "k123")


@pytest.mark.parametrize("text, journal, publisher", [
    ("Lee K, Park J. Deep learning for imaging. Radiology. In press.", "Radiology", ""),
    ("Berndt, Anna, ed. Paper Worlds. New York: Routledge. Forthcoming.", "", "Routledge"),
])
def test_in_press_is_a_date_not_part_of_the_journal_or_publisher(text, journal, publisher):
    (rec,), _ = parse_text(text, "x", one_per_line=True)
    assert rec.issued is not None and rec.issued.literal in ("in press", "forthcoming")
    assert (rec.get("container-title"), rec.get("publisher")) == (journal, publisher)


def lines(*texts: str):
    """The records of `texts`, one reference per line."""
    return parse_text("".join(t + "\n" for t in texts), "x", one_per_line=True)[0]


def test_words_the_tagger_calls_a_note_are_kept_and_tell_the_type():
    thesis, report = lines(
        "Okonkwo, A. B. (2019). Learning in the wild: A field study (Doctoral dissertation). University of Lagos, "
        "Lagos, Nigeria.",
        "Doe J. A report on water quality. Technical Report TR-2019-07. Springfield: State Water Board; 2019.")
    assert (thesis.type, thesis.get("note")) == ("thesis", "Doctoral dissertation")
    assert (report.type, report.get("note")) == ("report", "Technical Report TR-2019-07")


def test_a_note_leaves_out_link_words_and_identifiers_taken_elsewhere():
    from refmill.parsing.tagged import _note_text

    assert _note_text("[Online]. Available") == "" and _note_text("Retrieved from") == ""
    assert _note_text("PubMed PMID:25501425") == "" and _note_text("[in Slovak]") == "in Slovak"


def test_pages_marked_p_win_over_a_day_range():
    (rec,), _ = parse_text(
        "Kim S, Lee J. Grasping soft objects. In: Proceedings of the IEEE International Conference on Robotics "
        "and Automation (ICRA); 2019 May 20-24; Montreal, Canada. p. 100-105.", "x", one_per_line=True)
    assert rec.get("page") == "100-105" and rec.type == "paper-conference"


@pytest.mark.parametrize("text, title, journal", [
    ("Anonymous. The year in review. N Engl J Med. 2010;362(1):1-2.", "The year in review", "N Engl J Med"),
    ("[Anonymous]. Cholera in Haiti. MMWR. 2010;59:1-3.", "Cholera in Haiti", "MMWR"),
])
def test_a_work_signed_anonymous(text, title, journal):
    (rec,), _ = parse_text(text, "x", one_per_line=True)
    assert [a.literal for a in rec.author] == ["Anonymous"]
    assert (rec.title, rec.get("container-title")) == (title, journal)


def test_an_abbreviated_journal_alone_is_not_split_into_a_title():
    (rec,), _ = parse_text("Invest. Ophthalmol Vis. Sci. 2000; 41: 2309-2317", "x", one_per_line=True)
    assert rec.title == "" and rec.get("container-title").startswith("Invest. Ophthalmol")


def test_an_organisation_that_is_also_the_publisher_is_the_author():
    (rec,), _ = parse_text("World Bank. World development report 2021: data for better lives. Washington, DC: "
                           "World Bank; 2021.", "x", one_per_line=True)
    assert [a.literal for a in rec.author] == ["World Bank"]
    assert rec.title == "World development report 2021: data for better lives"


@pytest.mark.parametrize("text, family", [
    ("Ó Súilleabháin, S. (1942). A handbook of Irish folklore. Dublin: Folklore Society.", "Ó Súilleabháin"),
    ("Ní Dhuibhne, E. (1990). Blood and water. Dublin: Attic Press.", "Ní Dhuibhne"),
    ("’t Hooft, G. (1971). Renormalizable Lagrangians for massive Yang-Mills fields. Nucl Phys B, 35, 167-188.",
     "’t Hooft"),
])
def test_irish_and_dutch_particles_open_a_family_name(text, family):
    (rec,), _ = parse_text(text, "x", one_per_line=True)
    (name,) = rec.author
    assert " ".join(p for p in (name.non_dropping_particle, name.family) if p) == family
    records, _ = parse_text(text + "\n" + text.replace("19", "20"), "list.txt")  # and they open a reference
    assert len(records) == 2


def test_a_note_cut_from_a_title_is_kept_in_the_note():
    (rec,), _ = parse_text("Calvino, Italo. Invisible Cities. Translated by William Weaver. New York: Harcourt, 1974.",
                           "x", one_per_line=True)
    assert (rec.title, rec.get("note")) == ("Invisible Cities", "Translated by William Weaver")


def test_epub_cited_and_accessed_are_dates_not_places_journals_or_notes():
    article, page = lines(
        "Okafor N, Lindqvist K. Alpha study of river sediments. Water Res. 2020;580(7):100-105. Epub 2020 Jan 5. "
        "doi: 10.1016/j.watres.2020.01.001. PMID: 31900001.",
        "United Nations. \"Human Rights.\" Accessed May 29, 2013. http://www.un.org/en/globalissues/humanrights/.")
    assert article.get("publisher-place") == "" and article.get("note") == ""
    assert page.get("container-title") == "" and page.accessed is not None
    from refmill.parsing.tagged import _note_text

    assert _note_text("[cited 2024 Jan 3]. Available from") == ""
    assert _note_text("Epub ahead of print") == "Epub ahead of print"
