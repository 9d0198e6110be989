"""Dedupe core: normalisation, vetoes, clustering, merge, import's shared decision."""
from __future__ import annotations

import json
import random
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from refmill import dedupe, library
from refmill.dedupe import decide, find_duplicates, profile
from refmill.model import Date, Name, Record


def rec(key="a", title="Complement factor H mutations in atypical haemolytic uraemic syndrome",
        authors=("Kavanagh, D.", "Goodship, T. H. J."), year=2008, journal="Annual Review of Medicine",
        volume="59", page="293-309", **fields) -> Record:
    out = Record(id=key, issued=Date(year) if year else None)
    for a in authors:
        family, _, given = a.partition(",")
        out.author.append(Name(family=family.strip(), given=given.strip()) if given else Name(literal=a))
    for name, value in {"title": title, "container-title": journal, "volume": volume, "page": page, **fields}.items():
        out.set(name.replace("_", "-"), value)
    return out


def verdict(a: Record, b: Record, versions: bool = False) -> dedupe.Decision:
    return decide(profile(a), profile(b), versions)


def clusters(records, **kw) -> list[list[str]]:
    return [c.keys for c in find_duplicates(records, **kw).clusters]


# --- normalisation --------------------------------------------------------------------------


@pytest.mark.parametrize("doi", ["10.1146/annurev.med.59.060406.213942", "10.1146/ANNUREV.MED.59.060406.213942",
                                 "https://doi.org/10.1146/annurev.med.59.060406.213942",
                                 "doi:10.1146/annurev.med.59.060406.213942",
                                 "http://dx.doi.org/10.1146%2Fannurev.med.59.060406.213942"])
def test_dois_compare_without_case_resolver_or_url_encoding(doi):
    assert profile(rec(DOI=doi)).doi == "10.1146/annurev.med.59.060406.213942"


def test_a_doi_only_in_the_url_counts():
    assert profile(rec(URL="https://doi.org/10.1000/XYZ")).doi == "10.1000/xyz"


@pytest.mark.parametrize("variant", [
    "COMPLEMENT FACTOR H MUTATIONS IN ATYPICAL HAEMOLYTIC URAEMIC SYNDROME.",
    "Complement factor-H mutations in atypical haemolytic–uraemic syndrome",
    "[Complement factor H mutations in atypical haemolytic uraemic syndrome]. [German]",
    "Complement factor <i>H</i> mutations in atypical haemolytic uraemic syndrome",
    r"Complement factor {H} mutations in \emph{atypical} haemolytic uraemic syndrome",
    "Complement factor H mutations in atypical haemolytic uraemic syndrome.[Erratum appears in Annu Rev Med. 2008;59:1]",
    "Complement factor H mutations in atypical haemolytic uraemic syndrome [see comments]",
])
def test_title_variants_normalise_alike(variant):
    assert dedupe.title_words(variant) == "complement factor h mutations in atypical haemolytic uraemic syndrome"


def test_titles_latex_accents_and_greek_letters():
    assert dedupe.title_words(r"Gr{\"o}bner bases for TNF-$\alpha$") == dedupe.title_words("Gröbner bases for TNF-α")
    assert dedupe.title_words("TNF-α and IL-1β") == "tnf alpha and il 1beta"
    assert dedupe.title_words("A &amp; B") == dedupe.title_words("A and B")


def test_a_bracketed_title_is_the_title_not_a_note():
    assert dedupe.title_words("[Paroxysmal nocturnal hemoglobinuria]") == "paroxysmal nocturnal hemoglobinuria"


@pytest.mark.parametrize("people", [
    [Name(literal="J. A. Doe"), Name(family="Roe", given="R.")],
    [Name(literal="Doe JA"), Name(family="Roe", given="Richard")],
    [Name(family="Doe", given="John A."), Name(family="Roe", given="R.")],
    [Name(family="John A.", given="Doe"), Name(family="Roe", given="R.")],  # swapped by a database
])
def test_author_forms_match(people):
    a, b = rec(authors=()), rec(authors=())
    a.author = [Name(family="Doe", given="J. A."), Name(family="Roe", given="R.")]
    b.author = people
    assert dedupe.author_similarity(profile(a), profile(b)) == (1.0, True)


def test_author_particles_and_split_surnames_match():
    a, b = rec(authors=("Le Quintrec, M.", "de la Plata, C. M.")), rec(authors=("Le, Quintrec M.", "Marquez de la Plata, Carlos"))
    assert dedupe.author_similarity(profile(a), profile(b)) == (1.0, True)
    c = rec(authors=("Goicoechea de Jorge, E.",))
    assert dedupe.author_similarity(profile(c), profile(rec(authors=("de Jorge, E. G.",)))) == (1.0, True)


def test_different_authors_do_not_match():
    assert dedupe.author_similarity(profile(rec()), profile(rec(authors=("Noris, M.", "Remuzzi, G.")))) == (0.0, False)


@pytest.mark.parametrize("full, short", [
    ("The New England Journal of Medicine", "N Engl J Med"),
    ("Stroke; a journal of cerebral circulation", "Stroke"),
    ("Trials [Electronic Resource]", "Trials"),
    ("Cerebrovascular diseases (Basel, Switzerland)", "Cerebrovascular Diseases"),
    ("Disability & Rehabilitation", "Disability and Rehabilitation"),
])
def test_journals_full_and_abbreviated_agree(full, short):
    d = verdict(rec(key="a", journal=full), rec(key="b", journal=short))
    assert d.duplicate and d.score == 1.0


@pytest.mark.parametrize("page", ["293-309", "293–309", "293-9", "pp. 293-309", "S293"])
def test_page_forms_agree(page):
    assert dedupe.pages_agree(profile(rec(page="293-309")), profile(rec(page=page)))


def test_page_span_reads_abbreviated_lists_and_page_counts():
    assert dedupe.page_span("1485-97") == ("1485", "1497")
    assert dedupe.page_span("532, 534-536") == ("532", "")
    assert dedupe.page_span("215 p") == ("", "")  # a thesis's number of pages


def test_a_year_apart_is_tolerated_two_are_not():
    assert verdict(rec(year=2008), rec(key="b", year=2009)).duplicate
    assert verdict(rec(year=2008), rec(key="b", year=2010)).reason == "years differ"


# --- decisions and vetoes --------------------------------------------------------------------


def test_same_doi_decides():
    a = rec(DOI="10.1000/x1", title="Eculizumab in aHUS", journal="", volume="", page="")
    b = rec(key="b", DOI="https://doi.org/10.1000/X1", title="Eculizumab in aHUS.", journal="", volume="", page="")
    assert verdict(a, b).reason == "same DOI"


def test_translated_title_with_same_authors_volume_and_pages():
    a = rec(title="Indications and contraindications for living kidney donations", volume="30", page="30-38")
    b = rec(key="b", title="[Indications and contraindications of living-donor kidney transplantation]. [Spanish]",
            volume="30", page="30-38")
    assert verdict(a, b).reason == "same authors, year, volume and pages (title reworded or translated)"


def test_the_same_title_by_other_authors_is_another_work():
    assert not verdict(rec(title="Editorial"), rec(key="b", title="Editorial", authors=("Roe, R.",))).duplicate


@pytest.mark.parametrize("change, reason", [
    ({"DOI": "10.1146/other"}, "different DOIs"),
    ({"volume": "60"}, "different volumes"),
    ({"page": "310-320"}, "different pages"),
    ({"title": "Erratum: Complement factor H mutations in atypical haemolytic uraemic syndrome", "page": ""},
     "one is an erratum"),
    ({"title": "Complement factor H mutations in atypical haemolytic uraemic syndrome (vol 59, pg 293, 2008)", "page": ""},
     "one is an erratum"),
    ({"title": "Reply to: Complement factor H mutations in atypical haemolytic uraemic syndrome", "page": ""},
     "one is a comment or reply"),
    ({"title": "Retraction: Complement factor H mutations in atypical haemolytic uraemic syndrome", "page": ""},
     "one is a retraction"),
    ({"journal": "Molecular Immunology.Conference: 12th meeting", "page": "", "volume": ""},
     "conference abstract and full article"),
])
def test_vetoes(change, reason):
    a = rec(DOI="10.1146/annurev.med.59.060406.213942")
    b = rec(key="b", **{"DOI": a.doi, **change})
    d = verdict(a, b)
    assert (d.verdict, d.reason) == ("distinct", reason)


ABSTRACT = ("Objective: to test whether eculizumab given within a week of diagnosis shortens dialysis in "
            "atypical haemolytic uraemic syndrome. Design: a randomised, double-blind, placebo-controlled "
            "trial in twelve centres. Participants: ninety adults with a first episode. Results: fewer days of "
            "dialysis and no deaths in either arm.")


def test_the_same_abstract_in_the_same_journal_outweighs_different_pages():
    """One meeting abstract indexed twice with different e-pages is one item; another
    abstract, or the same text in another journal, keeps the vetoes."""
    a = rec(page="e3", abstract=ABSTRACT)
    b = rec(key="b", page="e8-e9", abstract=ABSTRACT.replace("twelve", "12"))
    assert verdict(a, b).duplicate
    assert verdict(a, rec(key="c", page="e8-e9")).reason == "different pages"
    other = rec(key="d", page="e8-e9", abstract="Background: " + ABSTRACT[::-1])
    assert verdict(a, other).reason == "different pages"
    elsewhere = rec(key="e", page="e8-e9", journal="Kidney International", abstract=ABSTRACT)
    assert not verdict(a, elsewhere).duplicate
    short = rec(key="f", page="e8-e9", abstract="No abstract available.")
    assert verdict(rec(page="e3", abstract="No abstract available."), short).reason == "different pages"


def test_numbered_parts_are_different_works():
    a = rec(title="Genetics of atypical HUS, part I", page="", volume="")
    b = rec(key="b", title="Genetics of atypical HUS. Part II", page="", volume="")
    assert verdict(a, b).reason == "different numbers in the titles"
    assert verdict(a, rec(key="c", title="Genetics of atypical HUS, Part 1", page="", volume="")).duplicate
    survey = rec(title="National survey of aHUS care in 2010", page="", volume="")
    later = rec(key="d", title="National survey of aHUS care in 2011", page="", volume="")
    assert verdict(survey, later).reason == "different numbers in the titles"


def test_dois_of_different_registrants_do_not_veto():
    assert verdict(rec(DOI="10.1146/x"), rec(key="b", DOI="10.5555/x")).duplicate


def test_book_and_chapter_with_one_title_stay_apart():
    a, b = rec(page="", volume=""), rec(key="b", page="", volume="")
    a.type, b.type = "book", "chapter"
    assert verdict(a, b).reason == "book and chapter"


def test_preprint_and_published_version_are_related_unless_asked():
    published = rec(DOI="10.1146/annurev.med.59.060406.213942", year=2008)
    preprint = rec(key="p", journal="bioRxiv", volume="", page="", DOI="10.1101/2007.01.02.123456", year=2007)
    d = verdict(published, preprint)
    assert (d.verdict, d.reason) == ("related", "preprint and published version")
    assert verdict(published, preprint, versions=True).duplicate
    result = find_duplicates([published, preprint])
    assert result.clusters == [] and [r.keys for r in result.related] == [["a", "p"]]
    assert clusters([published, preprint], versions=True) == [["a", "p"]]


# --- clustering --------------------------------------------------------------------------------


def test_clusters_are_transitive():
    a = rec("a", DOI="10.1000/1")
    b = rec("b", DOI="10.1000/1", title=a.title.upper(), page="")  # same DOI as a
    c = rec("c", title=a.title + ".", page="293-309")  # no DOI, same pages as a
    assert clusters([a, b, c]) == [["a", "b", "c"]]


def test_no_chaining_through_a_record_with_missing_fields():
    # b lacks volume and pages, so it alone looks like both a and c; a and c differ in pages
    a = rec("a", page="293-309")
    b = rec("b", page="", volume="")
    c = rec("c", page="400-410")
    found = clusters([a, b, c])
    assert len(found) == 1 and len(found[0]) == 2 and "b" in found[0]


def test_not_duplicates_are_never_merged():
    a, b, c = rec("a"), rec("b"), rec("c")
    assert clusters([a, b, c]) == [["a", "b", "c"]]
    assert clusters([a, b, c], not_duplicates=[["a", "b"]]) in ([["a", "c"]], [["b", "c"]])
    assert clusters([a, b, c], not_duplicates=[["a", "b", "c"]]) == []


def test_keep_is_the_most_complete_record():
    bare = rec("a")
    full = rec("b", DOI="10.1146/x", issue="1", abstract="Text.")
    result = find_duplicates([bare, full])
    assert result.clusters[0].keep == "b" and result.clusters[0].reason and 0 < result.clusters[0].score <= 1


def _library(n: int = 60) -> list[Record]:
    rng = random.Random(3)
    words = ["complement", "factor", "eculizumab", "renal", "transplant", "children", "outcome", "trial",
             "syndrome", "atypical", "therapy", "plasma", "registry", "cohort", "mutation", "review"]
    out = []
    for i in range(n):
        base = rec(f"w{i}", title=" ".join(rng.sample(words, 6)).capitalize(),
                   authors=(f"{rng.choice(['Noris', 'Loirat', 'Licht', 'Kavanagh'])}, {rng.choice('ABCD')}.",),
                   year=2000 + i % 12, volume=str(i % 9 + 1), page=f"{i * 10}-{i * 10 + 7}")
        out.append(base)
        if i % 3 == 0:
            out.append(rec(f"w{i}d", title=base.title.upper() + ".", authors=(base.author[0].family,),
                           year=base.year, volume=base.get("volume"), page=f"{i * 10}-{7 + i * 10 % 100:02d}"[-7:]))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_shuffling_the_input_gives_the_same_result(rnd):
    records = _library()
    expected = find_duplicates(records).to_dict()
    rnd.shuffle(records)
    assert find_duplicates(records).to_dict() == expected


def test_deduping_again_finds_nothing():
    records = _library()
    merged, _ = dedupe.merge(records, find_duplicates(records))
    assert len(merged) < len(records) and find_duplicates(merged).clusters == []


def test_a_huge_block_is_compared_by_neighbours_not_all_pairs():
    editorials = [rec(f"e{i}", title="Editorial", authors=(f"Author{i}, A.",), volume=str(i), page=str(i))
                  for i in range(500)]
    copies = [rec("c1", title="Editorial", authors=("Author7, A.",), volume="7", page="7")]
    profiles = dedupe.profiles_of(editorials + copies)
    pairs = dedupe.candidate_pairs(profiles)
    assert len(pairs) <= len(profiles) * (dedupe.WINDOW + 4)
    assert clusters(editorials + copies) == [["c1", "e7"]]


# --- merge, keys map ---------------------------------------------------------------------------


def test_merge_loses_nothing():
    a = rec("a", DOI="10.1146/annurev.med.59.060406.213942", issue="1", URL="https://example.org/a",
            note="From PubMed.", keyword="HUS; complement")
    a.issued = Date(2008, 2)
    b = rec("b", authors=("Kavanagh, David", "Goodship, Timothy H. J.", "Richards, Anna"), abstract="Long abstract.",
            PMID="18031209", keyword="complement; kidney", URL="https://example.org/b", journal="Annu Rev Med")
    b.set("volume", "59")
    c = rec("c", DOI="10.1146/annurev.med.59.060406.213942", issue="2", page="293-9")
    records = [a, b, c]
    result = find_duplicates(records)
    assert [cl.keys for cl in result.clusters] == [["a", "b", "c"]]
    merged, keys_map = dedupe.merge(records, result)
    assert len(merged) == 1
    m = merged[0]
    keep = result.clusters[0].keep
    assert m.id == keep and keys_map == {k: keep for k in "abc" if k != keep}
    assert m.get("PMID") == "18031209" and m.doi == "10.1146/annurev.med.59.060406.213942"
    assert m.get("abstract") == "Long abstract." and m.get("keyword") == "HUS; complement; kidney"
    assert [n.family for n in m.author] == ["Kavanagh", "Goodship", "Richards"] and m.author[0].given == "David"
    assert (m.issued.year, m.issued.month) == (2008, 2)
    note = m.get("note")
    assert "From PubMed." in note and f"refmill dedupe merged" in note
    assert "URL https://example.org/a (a) / https://example.org/b (b)" in note  # every identifier kept
    assert "issue 1 (a) / 2 (c)" in note or "issue 2 (c) / 1 (a)" in note  # disagreements noted
    assert "page" not in note  # 293-9 and 293-309 agree
    assert m.custom["merged"] == sorted(k for k in "abc" if k != keep)


def test_merge_points_citing_links_at_the_kept_record():
    a, b = rec("a", DOI="10.1146/x"), rec("b")
    child = rec("child", title="A reference list entry", authors=("Roe, R.",), custom={})
    child.custom["cited-by"] = "b" if find_duplicates([a, b]).clusters[0].keep == "a" else "a"
    merged, keys_map = dedupe.merge([a, b, child], find_duplicates([a, b, child]))
    assert merged[-1].custom["cited-by"] == find_duplicates([a, b]).clusters[0].keep


# --- not-duplicates file -----------------------------------------------------------------------


def test_read_not_duplicates_text_and_json():
    assert dedupe.read_not_duplicates("# ruled out\na b\nc, d e  # three\nlonely\n") == [["a", "b"], ["c", "d", "e"]]
    assert dedupe.read_not_duplicates('[["a", "b"]]') == [["a", "b"]]
    report = {"clusters": [{"keys": ["a", "b"], "keep": "a", "reason": "x", "score": 1}]}
    assert dedupe.read_not_duplicates(json.dumps(report)) == [["a", "b"]]
    with pytest.raises(ValueError):
        dedupe.read_not_duplicates('{"clusters": [{"keys": "ab"}]}')


# --- import takes the same decision ------------------------------------------------------------


def test_import_uses_the_dedupe_decision():
    held = [rec("a", DOI="10.1146/x")]
    variant = rec("b", title=held[0].title.upper(), authors=("Kavanagh D", "Goodship T"), page="293-9")
    erratum = rec("c", title="Erratum: " + held[0].title, page="1001")
    merge = library.add_records(held, [variant, erratum])
    assert [(new.id, old.id) for new, old in merge.duplicates] == [("b", "a")]
    assert [r.id for r in merge.added] == ["c"]


def test_import_and_dedupe_agree_on_a_labelled_set(shared):
    from refmill.formats import ris

    records, _ = ris.read((shared / "data" / "dedupe" / "haematology.ris").read_text(), "haematology.ris")
    found = sum(len(c.keys) - 1 for c in find_duplicates(records).clusters)
    assert len(library.add_records([], records).duplicates) == found


def test_accuracy_on_the_labelled_sets(shared):
    """The benchmark's floor: no wrong merge, and sensitivity no lower than measured."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dedupe_accuracy import load, score

    for name, floor in (("stroke", 0.99), ("haematology", 0.86)):
        records, truth = load(shared / "data" / "dedupe", name)
        s = score(records, truth, find_duplicates(records))
        assert s["fp"] == 0 and s["sensitivity"] >= floor, (name, s)


# --- the command ---------------------------------------------------------------------------------


def _write_library(path, records):
    library.save(path, records)
    return path.read_bytes()


def _three():
    """Two duplicates (a DOI record and its variant) and an erratum of them."""
    a = rec("kavanagh2008a", DOI="10.1146/annurev.med.59.060406.213942", issue="1")
    b = rec("kavanagh2008b", title=a.title.upper() + ".", authors=("Kavanagh D", "Goodship TH"), page="293-9",
            journal="Annu Rev Med")
    c = rec("erratum2008", title="Erratum: " + a.title, page="", volume="60")
    return [a, b, c]


def test_cli_reports_without_changing_anything(invoke, tmp_path):
    lib = tmp_path / "refs.bib"
    before = _write_library(lib, _three())
    result = invoke(["dedupe", "--library", lib], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)  # json when stdout is not a terminal
    assert report["clusters"] == [{"keys": ["kavanagh2008a", "kavanagh2008b"], "keep": "kavanagh2008a",
                                   "reason": "same title, authors and source", "score": report["clusters"][0]["score"]}]
    assert f"{lib}: 3 records, 1 clusters of duplicates (1 duplicates found)" in result.stderr
    assert lib.read_bytes() == before and not (tmp_path / "refs.bib.bak").exists()


def test_cli_table(invoke, tmp_path):
    lib = tmp_path / "refs.bib"
    _write_library(lib, _three())
    result = invoke(["dedupe", "--library", lib, "--format", "table"])
    assert result.exit_code == 0
    assert "1 clusters of duplicates" in result.stdout and "* kavanagh2008a" in result.stdout


def test_cli_merges_the_library_in_place_with_a_backup(invoke, tmp_path):
    lib = tmp_path / "refs.bib"
    before = _write_library(lib, _three())
    keys = tmp_path / "keys.json"
    result = invoke(["dedupe", "--library", lib, "--merge", "--keys-map", keys], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "refs.bib.bak").read_bytes() == before
    merged = library.load(lib)
    assert [r.id for r in merged] == ["kavanagh2008a", "erratum2008"]
    assert merged[0].custom["merged"] == ["kavanagh2008b"] and "merged kavanagh2008b" in merged[0].get("note")
    assert json.loads(keys.read_text()) == {"kavanagh2008b": "kavanagh2008a"}
    again = invoke(["dedupe", "--library", lib, "--format", "json"])
    assert json.loads(again.stdout)["clusters"] == []


def test_cli_reads_mixed_formats_and_suffixes_clashing_keys(invoke, tmp_path):
    a, b, _ = _three()
    b.id = a.id  # both files use the same key
    from refmill.formats import csljson, ris

    (tmp_path / "pubmed.ris").write_text(ris.write([a]))
    (tmp_path / "embase.json").write_text(csljson.write_array([b]))
    result = invoke(["dedupe", tmp_path / "pubmed.ris", tmp_path / "embase.json", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["clusters"][0]["keys"] == ["kavanagh2008a", "kavanagh2008aa"]


def test_cli_merges_files_into_an_output_file(invoke, tmp_path):
    import rispy
    from refmill.formats import ris

    src = tmp_path / "all.ris"
    src.write_text(ris.write(_three()))
    out, keys = tmp_path / "unique.ris", tmp_path / "keys.json"
    result = invoke(["dedupe", src, "--merge", "-o", out, "--keys-map", keys], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    entries = rispy.loads(out.read_text())
    assert [e["id"] for e in entries] == ["kavanagh2008a", "erratum2008"]
    assert any("refmill dedupe merged kavanagh2008b" in n for n in entries[0]["notes"])
    assert json.loads(keys.read_text()) == {"kavanagh2008b": "kavanagh2008a"}
    assert src.read_text() == ris.write(_three())


def test_cli_merge_of_files_streams_jsonl(invoke, tmp_path):
    from refmill.formats import ris

    result = invoke(["dedupe", "-", "--merge"], input=ris.write(_three()))
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["kavanagh2008a", "erratum2008"]
    assert "1 duplicates merged" in result.stderr


def test_cli_not_duplicates(invoke, tmp_path):
    lib = tmp_path / "refs.bib"
    _write_library(lib, _three())
    ruled = tmp_path / "not-dups.txt"
    ruled.write_text("# checked by hand\nkavanagh2008a kavanagh2008b\n")
    result = invoke(["dedupe", "--library", lib, "--not-duplicates", ruled, "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["clusters"] == []
    ruled.write_text('{"clusters": [')
    bad = invoke(["dedupe", "--library", lib, "--not-duplicates", ruled])
    assert bad.exit_code == 2 and bad.stderr.startswith(f"Error: {ruled}: not a list of not-duplicate keys")
    assert "Traceback" not in bad.stderr and bad.stdout == ""


@pytest.mark.parametrize("args, message", [
    (["--merge", "-o", "x.bib", "--keys-map", "k.json", "--format", "json"], None),
    (["-o", "x.bib"], "add --merge"),
    (["--keys-map", "k.json"], "add --merge"),
])
def test_cli_options_need_merge(invoke, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    _write_library(tmp_path / "refs.bib", _three())
    result = invoke(["dedupe", *args])
    if message:
        assert result.exit_code == 2 and message in result.stderr and result.stdout == ""
        assert not (tmp_path / "x.bib").exists()
    else:
        assert result.exit_code == 0 and len(library.load(tmp_path / "x.bib")) == 2


def test_cli_errors(invoke, tmp_path):
    missing = invoke(["dedupe", "--library", tmp_path / "none.bib"])
    assert missing.exit_code == 2 and "no such library" in missing.stderr
    (tmp_path / "a.ris").write_text("TY  - JOUR\nTI  - T\nER  - \n")
    both = invoke(["dedupe", tmp_path / "a.ris", "--library", tmp_path / "refs.bib"])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_cli_partial_input_still_reports_and_exits_3(invoke, tmp_path):
    from refmill.formats import ris

    src = tmp_path / "all.ris"
    src.write_text(ris.write(_three()) + "TY  - JOUR\nTI  - cut off\n")
    result = invoke(["dedupe", src, "--format", "json"])
    assert result.exit_code == 3
    assert len(json.loads(result.stdout)["clusters"]) == 1
    assert "RIS record has no ER line" in result.stderr


# --- hostile input -------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)


@st.composite
def _hostile(draw) -> Record:
    r = rec(draw(st.uuids()).hex[:8], title=draw(_text), authors=(), year=draw(st.one_of(st.none(), st.integers(1, 3000))),
            journal=draw(_text), volume=draw(_text), page=draw(_text), DOI=draw(_text), issue=draw(_text))
    r.author = [Name(family=draw(_text), given=draw(_text)), Name(literal=draw(_text))]
    return r


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_hostile(), max_size=12))
def test_any_records_dedupe_without_error_and_merge_is_idempotent(records):
    result = find_duplicates(records)
    merged, keys_map = dedupe.merge(records, result)
    assert len(merged) == len(records) - len(keys_map)
    assert all(0.0 <= c.score <= 1.0 and c.keep in c.keys for c in result.clusters)
    assert find_duplicates(merged).clusters == []
