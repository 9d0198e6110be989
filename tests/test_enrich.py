"""Candidate validation, the merge policy and enrichment runs (core, no CLI)."""
from __future__ import annotations

import copy

import pytest

from crossref_support import (  # noqa: F401 (fixtures)
    BLOOD_DOI, MALARD, MALARD_TRAP, _server, crossref, fixture_json, fixture_text, serve_standard,
)
from werkzeug import Response
from refmill.crossref import Cache, Client, Limits, to_work
from refmill.enrich import (
    ACCEPT, ERROR, HAD_DOI, MATCHED, NOT_CACHED, UNMATCHED, Summary, best_match, clean_reference, decide,
    enrich, enrich_one, evidence, merge, reference_text, records_for_dois,
)
from refmill.formats import read
from refmill.model import Date, Name, Record

CANDIDATES = [to_work(i) for i in fixture_json("query-acute-lymphoblastic-leukaemia.json")["message"]["items"]]
BLOOD = to_work(fixture_json("works-blood.2023022922.json")["message"])


def parsed(line: str) -> Record:
    (rec,), _ = read(line + "\n", "refs.txt", "lines")
    return rec


def client(server, tmp_path, **kw) -> Client:
    return Client(server.url_for("").rstrip("/"), "me@uni.edu", backoff=0.01, timeout=2,
                  limits=Limits(200, 200, 3), cache=Cache(tmp_path / "c.sqlite"), **kw)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("rec", [parsed(MALARD), Record(custom={"raw": MALARD})], ids=["parsed", "raw-only"])
def test_the_right_paper_is_accepted_over_same_title_and_preprint(rec):
    work, ev = best_match(rec, CANDIDATES)
    assert work.doi == "10.5555/refmill.malard2020"
    assert ev.accepted and ev.score >= 0.9
    assert {"title", "author", "year", "volume", "page", "container"} <= set(ev.agreed)
    assert ev.disagreed == []


def test_numbers_the_reference_does_not_give_are_absent_not_disagreeing():
    ev = evidence(Record(custom={"raw": "Malard F, Mohty M. Acute lymphoblastic leukaemia. Lancet 2020; 395: 1146-62."}),
                  CANDIDATES[0])
    assert ev.absent == ["issue"] and ev.disagreed == [] and ev.to_dict()["absent"] == ["issue"]


@pytest.mark.parametrize("rec", [parsed(MALARD_TRAP), Record(custom={"raw": MALARD_TRAP})], ids=["parsed", "raw-only"])
def test_trap_right_title_wrong_volume_pages_year_is_rejected(rec):
    work, ev = best_match(rec, CANDIDATES)
    assert work is None
    top = decide(evidence(rec, CANDIDATES[0]))  # the right-looking paper, ranked first
    assert not top.accepted and top.fields["title"] == 1.0
    assert top.score < ACCEPT or top.conflicts


def test_structured_record_without_raw_text_matches():
    rec = Record(author=[Name("Inaba", "H.")], issued=Date(2013), fields={
        "title": "Acute lymphoblastic leukaemia", "container-title": "Lancet", "volume": "381", "page": "1943-55"})
    work, ev = best_match(rec, CANDIDATES)
    assert work.doi == "10.5555/refmill.inaba2013" and ev.unexplained == []


def test_author_year_and_journal_alone_do_not_identify_a_work():
    rec = Record(author=[Name("Malard")], issued=Date(2020), fields={"container-title": "Lancet"})
    work, ev = best_match(rec, CANDIDATES)
    assert work is None and "identify" in ev.reason


def test_low_confidence_fields_weigh_less_and_are_not_conflicts():
    rec = parsed(MALARD)
    rec.set("volume", "359")  # a misread volume the parser doubted
    assert decide(evidence(rec, CANDIDATES[0])).conflicts == ["volume"]
    rec.custom["low-confidence"] = ["volume"]
    ev = decide(evidence(rec, CANDIDATES[0]))  # the raw string is read instead: 395 is there
    assert ev.accepted and ev.fields["volume"] == 1.0
    del rec.custom["raw"]
    ev = decide(evidence(rec, CANDIDATES[0]))
    assert ev.conflicts == [] and ev.accepted


def test_year_one_off_is_half_agreement_print_versus_online():
    rec = parsed("Rampotas A, Roddie C. The present and future of CAR T-cell therapy for adult B-cell ALL. "
                 "Blood. 2024;145(14):1485-97.")
    ev = decide(evidence(rec, BLOOD))  # online 2024, print 2025: both years are Crossref's
    assert ev.fields["year"] == 1.0 and ev.accepted


def test_clean_reference_drops_numbering_ids_and_expands_ranges():
    text = clean_reference("[12] Doe J. Title. J Test. 2020;12:1146-62. doi:10.5555/x.1 PMID: 12345678 https://x.org/1")
    assert text.startswith("Doe J.") and "1146-1162" in text
    assert "12345678" not in text and "10.5555" not in text and "x.org" not in text


def test_reference_text_renders_fields_when_there_is_no_raw_text():
    rec = Record(author=[Name("Malard", "F."), Name("Mohty", "M.")], issued=Date(2020), fields={
        "title": "Acute lymphoblastic leukaemia", "container-title": "Lancet", "volume": "395", "issue": "10230",
        "page": "1146-1162"})
    assert reference_text(rec) == "Malard, Mohty. Acute lymphoblastic leukaemia. Lancet. 2020 395(10230) 1146-1162"


# --- merge -----------------------------------------------------------------------------------------


def test_merge_fills_missing_and_reports_conflicts_without_overwriting():
    rec = Record(id="r", author=[Name("Rampotas", "A."), Name("Roddie", "C.")], issued=Date(2025), fields={
        "title": "The present and future of CAR T-cell therapy for adult B-cell ALL.", "container-title": "Blood",
        "volume": "144", "page": "1485-97", "DOI": BLOOD_DOI})
    filled, conflicts = merge(rec, BLOOD)
    assert {"issue", "publisher", "ISSN", "abstract"} <= set(filled)
    assert "container-title-short" not in filled  # "Blood" is no short form of "Blood"
    assert [(c.field, c.ours, c.theirs) for c in conflicts] == [("volume", "144", "145")]
    assert rec.get("volume") == "144"  # ours kept
    assert rec.author[0].given == "A."  # same people: our form kept, no conflict
    assert rec.title.endswith("ALL.") and rec.get("page") == "1485-97"  # same values in another form
    assert rec.issued.to_csl() == {"date-parts": [[2025, 4, 3]]}  # month and day filled in


def test_prefer_crossref_takes_crossrefs_values():
    rec = Record(author=[Name("Rampotas", "A.")], fields={"volume": "144", "title": "the present and future of car t-cell therapy for adult b-cell all"})
    filled, conflicts = merge(rec, BLOOD, prefer_crossref=True)
    assert [c.field for c in conflicts] == ["volume", "author"]
    assert rec.get("volume") == "145" and rec.title == BLOOD.record.title
    assert [a.given for a in rec.author] == ["Alexandros", "Claire"]


def test_truncated_author_list_is_written_out():
    rec = Record(author=[Name("Rampotas", "A.")], custom={"truncated": True})
    filled, conflicts = merge(rec, BLOOD)
    assert "author" in filled and not conflicts and len(rec.author) == 2 and not rec.truncated


def test_type_from_a_parser_is_a_guess_but_a_users_type_is_not():
    chapter = to_work({"DOI": "10.5555/ch", "type": "book-chapter", "title": ["T"]})
    guessed = Record(type="article-journal", custom={"raw": "T"})
    merge(guessed, chapter)
    assert guessed.type == "chapter"
    users = Record(type="article-journal")
    _, conflicts = merge(users, chapter)
    assert users.type == "article-journal" and conflicts[0].field == "type"


# --- runs against the local server ---------------------------------------------------------------------


def test_enrich_one_by_doi_and_by_reference(crossref, tmp_path):
    serve_standard(crossref)
    c = client(crossref, tmp_path)
    by_doi = enrich_one(Record(id="b", fields={"DOI": BLOOD_DOI, "title": "The present and future of CAR T-cell therapy for adult B-cell ALL"}), c)
    assert by_doi.status == HAD_DOI and by_doi.changed and by_doi.record.get("volume") == "145"
    assert by_doi.record.custom["crossref"]["method"] == "doi"
    found = enrich_one(parsed(MALARD), c)
    assert found.status == MATCHED and found.record.doi == "10.5555/refmill.malard2020"
    assert found.record.custom["crossref"]["method"] == "bibliographic"
    assert found.record.custom["crossref"]["score"] == 1.0 and "DOI" in found.record.custom["crossref"]["filled"]
    trap = enrich_one(parsed(MALARD_TRAP), c)
    assert trap.status == UNMATCHED and "rejected" in trap.message and trap.record.doi == ""
    # the matched work is remembered under its DOI: looking it up next time asks nothing
    sent = len(crossref.log)
    assert enrich_one(found.record, c).status == HAD_DOI and len(crossref.log) == sent


def test_wrong_doi_is_flagged_not_merged(crossref, tmp_path):
    serve_standard(crossref)
    rec = Record(id="w", author=[Name("Smith", "J.")], fields={"DOI": BLOOD_DOI, "title": "Soil microbes in alpine meadows"})
    out = enrich_one(rec, client(crossref, tmp_path))
    assert out.status == HAD_DOI and "another work" in out.message and not out.changed
    assert out.record.get("volume") == ""


def test_unknown_doi_and_errors_and_offline(crossref, tmp_path):
    serve_standard(crossref)
    c = client(crossref, tmp_path)
    unknown = enrich_one(Record(fields={"DOI": "10.5555/unknown"}), c)
    assert unknown.status == HAD_DOI and "not known to Crossref" in unknown.message
    offline = client(crossref, tmp_path, offline=True)
    assert enrich_one(Record(custom={"raw": "Never asked about this reference, 2001"}), offline).status == NOT_CACHED
    crossref.clear()
    crossref.expect_request("/works").respond_with_data("<html>busy</html>", status=503, content_type="text/html")
    err = enrich_one(Record(custom={"raw": "Some other reference text, 1999"}), client(crossref, tmp_path, retries=1))
    assert err.status == ERROR and "503" in err.message


def test_enrich_keeps_order_and_input_untouched(crossref, tmp_path):
    serve_standard(crossref)
    records = [parsed(MALARD_TRAP), parsed(MALARD), Record(fields={"DOI": BLOOD_DOI}), Record(custom={"raw": "x"})]
    before = copy.deepcopy(records)
    outcomes = list(enrich(records, client(crossref, tmp_path)))
    assert [o.status for o in outcomes] == [UNMATCHED, MATCHED, HAD_DOI, UNMATCHED]
    assert outcomes[3].message == "too little to search with"
    assert [r.to_csl() for r in records] == [r.to_csl() for r in before]
    summary = Summary.of(outcomes)
    assert summary.line() == "1 matched, 1 already had a DOI, 2 unmatched, 0 with conflicts, 0 errors"
    assert summary.failed == 0 and summary.looked_up == 4


def test_records_for_dois(crossref, tmp_path):
    serve_standard(crossref)
    records, problems = records_for_dois([BLOOD_DOI, "10.5555/unknown"], client(crossref, tmp_path))
    assert [r.doi for r in records] == [BLOOD_DOI]
    assert problems[0].source == "10.5555/unknown" and "not known" in problems[0].message


def _article(**over) -> "to_work":
    item = {"DOI": "10.5555/a", "type": "journal-article", "title": ["Using the Delphi method for quality indicators"],
            "author": [{"family": "Boulkedid", "given": "Rym"}], "container-title": ["PLoS ONE"],
            "volume": "6", "issue": "6", "page": "e20476", "issued": {"date-parts": [[2011, 6, 9]]}}
    item.update(over)
    return to_work(item)


def test_one_wrong_number_is_a_citation_error_two_are_another_work():
    ok = "Boulkedid R. Using the Delphi method for quality indicators. PLoS ONE. 2011;6(6):e20476."
    assert decide(evidence(Record(custom={"raw": ok}), _article())).accepted
    typo = ok.replace("e20476", "e20467")
    ev = decide(evidence(Record(custom={"raw": typo}), _article()))
    assert ev.accepted and ev.conflicts == ["page"]
    other = ok.replace("2011;6(6)", "2014;9(6)")  # volume equals issue in the work: "6" is the issue here
    ev = decide(evidence(Record(custom={"raw": other}), _article()))
    assert not ev.accepted and set(ev.conflicts) == {"volume", "year"}


def test_notices_about_a_work_are_not_the_work():
    erratum = _article(title=["Correction: Using the Delphi method for quality indicators"], page="e20999")
    ref = "Boulkedid R. Using the Delphi method for quality indicators. PLoS ONE. 2011;6(6):e20476."
    ev = decide(evidence(Record(custom={"raw": ref}), erratum))
    assert not ev.accepted and "notice" in ev.reason
    cited = "Boulkedid R. Correction: Using the Delphi method for quality indicators. PLoS ONE. 2011;6(6):e20999."
    assert decide(evidence(Record(custom={"raw": cited}), erratum)).accepted


@pytest.mark.parametrize("title, notice", [
    ("Correction: Using the Delphi method", "correction"), ("Correction to: Using the Delphi method", "correction"),
    ("RETRACTED ARTICLE: Using the Delphi method", "retracted"), ("Erratum", "erratum"),
    ("Reply to: Using the Delphi method", "reply"), ("Comment on “Using the Delphi method”", "comment"),
    ("Correction of hypernatremia in infants", ""), ("Response of soil microbes to drought", ""),
    ("Comments and replies in peer review", ""),
])
def test_notice_titles(title, notice):
    ev = evidence(Record(custom={"raw": "Boulkedid R. Some other words. 2011."}), _article(title=[title]))
    assert ev.notice == notice


def test_a_chapter_is_pinned_by_book_and_first_page_when_its_title_is_short():
    chapter = to_work({"DOI": "10.5555/ch", "type": "book-chapter", "title": ["Racial Epithet"],
                       "author": [{"family": "Hartlep", "given": "Nicholas D."}],
                       "container-title": ["Impact of the Model Minority Stereotype on Modern Society"], "page": "525-916"})
    ref = "Hartlep ND. Racial epithet. In: Impact of the Model Minority Stereotype on Modern Society. p. 525-916."
    assert decide(evidence(Record(custom={"raw": ref}), chapter)).accepted
    bare = "Hartlep ND. Racial epithet."  # two words and a name identify nothing
    assert not decide(evidence(Record(custom={"raw": bare}), chapter)).accepted


def test_stopping_early_cancels_lookups_not_yet_started(crossref, tmp_path):
    import time

    crossref.expect_request("/works").respond_with_handler(
        lambda r: (time.sleep(0.2), Response(fixture_text("query-empty.json"), content_type="application/json"))[1])
    c = Client(crossref.url_for("").rstrip("/"), None, limits=Limits(100, 100, 1), cache=Cache(tmp_path / "c.sqlite"))
    records = [Record(custom={"raw": f"Reference number {i}, a title, 2020"}) for i in range(10)]
    outcomes = enrich(records, c)
    assert next(outcomes).status == UNMATCHED
    outcomes.close()  # what Ctrl-C does to the loop in the CLI
    time.sleep(0.5)
    assert len(crossref.log) <= 3
