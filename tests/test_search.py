"""Search: every rule of the query language, the index's freshness, and the command."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import bibtexparser
import pytest
import rispy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from refmill import index, library, search
from refmill.errors import LibraryError
from refmill.model import Date, Name, Record
from refmill.search import QueryError

# A small library written as people's .bib files are: LaTeX accents next to UTF-8 ones,
# braces protecting acronyms, BibTeX names for fields.
LIBRARY = r"""
@article{gokbuget2017car,
  author = {Gökbuget, Nicola and Maude, Shannon L.},
  title = {Chimeric antigen receptor {T} cells in {B-ALL}},
  journal = {Blood},
  volume = {130},
  pages = {1485--1497},
  year = {2017},
  doi = {10.1182/blood.2017000123},
  keywords = {CAR-T, immunotherapy},
  pmid = {28912345}
}

@article{goekbuget2012latex,
  author = {G{\"o}kbuget, N. and Hoelzer, Dieter},
  title = {Treatment of adult acute lymphoblastic leukaemia},
  journal = {Seminars in Hematology},
  year = {2012},
  abstract = {Minimal residual disease guides therapy.}
}

@article{kantarjian2016inotuzumab,
  author = {Kantarjian, Hagop M. and DeAngelo, D. J.},
  title = {Inotuzumab ozogamicin versus standard therapy for acute lymphoblastic leukemia},
  journal = {New England Journal of Medicine},
  shortjournal = {N Engl J Med},
  volume = {375},
  year = {2016},
  note = {Epub ahead of print}
}

@article{maude2014chimeric,
  author = {Maude, S. L. and Frey, N. and others},
  title = {Chimeric antigen receptor {T} cells for sustained remissions in leukemia},
  journal = {N Engl J Med},
  volume = {371},
  year = {2014}
}

@incollection{smith2010handbook,
  author = {Smith, John},
  editor = {Maus, Marcela V.},
  title = {Cell therapy manufacturing},
  booktitle = {Handbook of Cell Therapy},
  publisher = {Springer},
  year = {2010}
}

@book{anon,
  title = {Undated guidelines on leukemia care},
  publisher = {Oxford University Press}
}

@phdthesis{lee2019thesis,
  author = {Lee, Daniel W.},
  title = {Cytokine release syndrome},
  school = {University of Pennsylvania},
  year = {2019}
}

@article{pasted2021,
  author = {Rampotas, Alexandros},
  title = {Real-world outcomes of {CAR} {T}},
  journal = {Br J Haematol},
  year = {2021},
  refmill-source = {data/page-one.txt},
  refmill-raw = {Rampotas A. Real-world outcomes of CAR T. Br J Haematol. 2021.},
  refmill-cited-by = {gokbuget2017car}
}
"""
ALL = ["gokbuget2017car", "goekbuget2012latex", "kantarjian2016inotuzumab", "maude2014chimeric",
       "smith2010handbook", "anon", "lee2019thesis", "pasted2021"]


@pytest.fixture
def lib(tmp_path):
    path = tmp_path / "refs.bib"
    path.write_text(LIBRARY, encoding="utf-8")
    return path


def keys(query: str, path, **kw) -> list[str]:
    """Keys found through the index; the in-memory search must agree exactly."""
    found = search.search_library(query, str(path), **kw).records()
    direct = search.search_records(query, library.load(path), **kw).records()
    assert found == direct, query
    return [r.id for r in found]


# --- the query language, rule by rule ----------------------------------------------------


@pytest.mark.parametrize(
    "query, expected",
    [
        # accents, case and LaTeX: "Gökbuget" and "G{\"o}kbuget" are the same name
        ("author:gokbuget", ["gokbuget2017car", "goekbuget2012latex"]),
        ("author:GÖKBUGET", ["gokbuget2017car", "goekbuget2012latex"]),
        ('author:G{\\"o}kbuget', ["gokbuget2017car", "goekbuget2012latex"]),
        ("title:b-all", ["gokbuget2017car"]),  # {B-ALL} in the file
        ("title:CHIMERIC", ["gokbuget2017car", "maude2014chimeric"]),
        # substrings and phrases; either order of a person's names
        ("author:kantar", ["kantarjian2016inotuzumab"]),
        ('title:"antigen receptor t cells for"', ["maude2014chimeric"]),
        ('title:"receptor antigen"', []),
        ('author:"hagop m kantarjian"', ["kantarjian2016inotuzumab"]),
        ('author:"kantarjian hagop"', ["kantarjian2016inotuzumab"]),
        ('author:"maude frey"', []),  # never across two people
        ('"leukemia care"', ["anon"]),
        # terms are ANDed
        ("author:maude chimeric", ["gokbuget2017car", "maude2014chimeric"]),
        ("author:maude year:2014", ["maude2014chimeric"]),
        ("author:maude AND year:2014", ["maude2014chimeric"]),
        # OR, NOT, -, parentheses and precedence (NOT > AND > OR)
        ("author:lee OR author:smith", ["smith2010handbook", "lee2019thesis"]),
        ("year:2016 OR author:maude year:2014", ["kantarjian2016inotuzumab", "maude2014chimeric"]),
        ("(year:2016 OR author:maude) year:2014", ["maude2014chimeric"]),
        ("chimeric NOT author:gokbuget", ["maude2014chimeric"]),
        ("chimeric -author:gokbuget", ["maude2014chimeric"]),
        ("NOT NOT year:2010", ["smith2010handbook"]),
        ("NOT (leukemia OR leukaemia OR chimeric)", ["smith2010handbook", "lee2019thesis", "pasted2021"]),
        # year: exact, ranges, comparisons; a record without a year matches none of them
        ("year:2014..2016", ["kantarjian2016inotuzumab", "maude2014chimeric"]),
        ("year:2019..", ["lee2019thesis", "pasted2021"]),
        ("year:..2010", ["smith2010handbook"]),
        ("year:>=2019", ["lee2019thesis", "pasted2021"]),
        ("year:>2019", ["pasted2021"]),
        ("year:<2012", ["smith2010handbook"]),
        ("year:<=2012", ["goekbuget2012latex", "smith2010handbook"]),
        ("year:=2012", ["goekbuget2012latex"]),
        ("NOT year:2000..2030", ["anon"]),
        # aliases
        ("a:hoelzer", ["goekbuget2012latex"]),
        ("t:cytokine", ["lee2019thesis"]),
        ("j:hematology", ["goekbuget2012latex"]),
        ("y:2021", ["pasted2021"]),
        # journal: full or short container title
        ('journal:"n engl j med"', ["kantarjian2016inotuzumab", "maude2014chimeric"]),
        ('journal:"new england"', ["kantarjian2016inotuzumab"]),
        ("journal:handbook", ["smith2010handbook"]),  # booktitle
        # the other named fields
        ("doi:10.1182/blood.2017", ["gokbuget2017car"]),
        ("type:book", ["anon"]),
        ("type:chapter", ["smith2010handbook"]),
        ("type:incollection", ["smith2010handbook"]),
        ("type:phdthesis", ["lee2019thesis"]),
        ("type:thesis", ["lee2019thesis"]),
        ("key:2016", ["kantarjian2016inotuzumab"]),
        ("publisher:springer", ["smith2010handbook"]),
        ("publisher:pennsylvania", ["lee2019thesis"]),  # school
        ("source:page-one", ["pasted2021"]),
        # author includes editors; editor: only editors
        ("author:maus", ["smith2010handbook"]),
        ("editor:maus", ["smith2010handbook"]),
        ("editor:smith", []),
        # any other field by its name (CSL or BibTeX), names case-insensitive
        ("volume:37", ["kantarjian2016inotuzumab", "maude2014chimeric"]),
        ("pmid:28912345", ["gokbuget2017car"]),
        ("PMID:2891", ["gokbuget2017car"]),
        ("pages:1485", ["gokbuget2017car"]),
        ("page:1497", ["gokbuget2017car"]),
        ("keywords:immuno", ["gokbuget2017car"]),
        ("abstract:residual", ["goekbuget2012latex"]),
        ("note:epub", ["kantarjian2016inotuzumab"]),
        ("booktitle:handbook", ["smith2010handbook"]),
        ("cited-by:gokbuget2017car", ["pasted2021"]),
        ("raw:haematol", ["pasted2021"]),
        # a bare word: title, authors, journal, year, DOI, keywords, abstract, note
        ("leukemia", ["kantarjian2016inotuzumab", "maude2014chimeric", "anon"]),
        ("dieter", ["goekbuget2012latex"]),
        ("blood", ["gokbuget2017car"]),  # journal and DOI
        ("2019", ["lee2019thesis"]),
        ("blood.2017000123", ["gokbuget2017car"]),
        ("immunotherapy", ["gokbuget2017car"]),
        ("residual", ["goekbuget2012latex"]),
        ("epub", ["kantarjian2016inotuzumab"]),
        ("springer", []),  # publisher is not among them
        ("page-one", []),  # nor is the source
        # ~word: typo tolerance (edits: 1 up to 5 letters, 2 beyond; a swap is one edit)
        ("~gokbugt", ["gokbuget2017car", "goekbuget2012latex"]),
        ("author:~kantarjain", ["kantarjian2016inotuzumab"]),
        ("~maud", ["gokbuget2017car", "maude2014chimeric", "smith2010handbook"]),  # Maus: 1 edit
        ("~leukaemia", ["goekbuget2012latex", "kantarjian2016inotuzumab", "maude2014chimeric", "anon"]),
        ('author:~"shanon maud"', ["gokbuget2017car"]),
        ("~xyzzy", []),
        ("~gokbu", ["gokbuget2017car", "goekbuget2012latex"]),  # a substring matches as well
    ],
)
def test_query_semantics(lib, query, expected):
    assert keys(query, lib) == expected


@pytest.mark.parametrize(
    "query, term, message",
    [
        ('title:"chimeric antigen', 'title:"chimeric antigen', "the quote is never closed"),
        ("author:maude )", ")", "without a matching '('"),
        ("(author:maude OR year:2014", "(", "never closed"),
        ("()", "(", "empty parentheses"),
        ("(", "(", "never closed"),
        ("author:maude (", "(", "never closed"),
        ("author:maude OR", "OR", "OR needs a term on both sides"),
        ("OR author:maude", "OR", "OR needs a term on both sides"),
        ("author:maude AND", "AND", "AND needs a term on both sides"),
        ("author:maude NOT", "NOT", "NOT needs a term after it"),
        ("- author:maude", "-", "'-' needs a term right after it"),
        ("-author:maude --format keys", "--format", "an option, not a term: put options before --"),
        ("auther:maude", "auther:maude", "unknown field 'auther'; did you mean author:?"),
        ("author:", "author:", "author: needs a value"),
        ('title:""', 'title:""', "title: needs a value"),
        ("year:20x", "year:20x", "year: takes a year (2017), a range (2014..2018) or a comparison"),
        ("year:2018..2014", "year:2018..2014", "the range runs backwards (did you mean 2014..2018?)"),
        ("year:~2017", "year:~2017", "year: takes no '~'"),
        ("title:?!", "title:?!", "nothing to search for"),
        ("https://doi.org/10.1/x", "https://doi.org/10.1/x", "unknown field 'https'"),
    ],
)
def test_malformed_queries_name_the_term_and_its_column(query, term, message):
    with pytest.raises(QueryError) as err:
        search.parse(query)
    text = str(err.value)
    assert f"bad query term {term!r} (column {query.index(term) + 1})" in text
    assert message in text


def test_empty_query_is_refused():
    with pytest.raises(QueryError, match="empty query"):
        search.parse("   ")


def test_quoted_text_is_never_a_field_or_an_operator(lib):
    assert search.parse('"https://doi.org/x"') == search.Term("any", "https doi org x", text='"https://doi.org/x"', column=1)
    assert keys('"OR"', lib) == keys("or", lib)


def test_custom_fields_of_the_data_are_known_fields(tmp_path):
    path = tmp_path / "lib.bib"
    path.write_text("@article{a, title={T}, year={2020}, refmill-project={alpha}}\n", encoding="utf-8")
    assert keys("project:alpha", path) == ["a"]
    with pytest.raises(QueryError, match="unknown field 'project'"):
        search.search_records("project:alpha", [])


@given(st.text(alphabet=st.sampled_from(list('ab:~-"() \\{}ORANDTyear1.<>=é')), max_size=30))
@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_string_parses_or_raises_query_error(text):
    try:
        node = search.parse(text)
    except QueryError:
        return
    assert list(search.terms(node))


# --- sorting and limits --------------------------------------------------------------------


def test_sort_keys_and_directions(lib):
    assert keys("leukemia OR leukaemia", lib, sort="year") == [
        "goekbuget2012latex", "maude2014chimeric", "kantarjian2016inotuzumab", "anon"]
    assert keys("leukemia OR leukaemia", lib, sort="-year") == [  # no year: last either way
        "kantarjian2016inotuzumab", "maude2014chimeric", "goekbuget2012latex", "anon"]
    assert keys("chimeric OR cell", lib, sort="author") == ["gokbuget2017car", "maude2014chimeric", "smith2010handbook"]
    assert keys("chimeric OR cell", lib, sort="-title") == ["gokbuget2017car", "maude2014chimeric", "smith2010handbook"]
    assert keys("year:2000..", lib, sort="key", limit=3) == ["goekbuget2012latex", "gokbuget2017car", "kantarjian2016inotuzumab"]
    assert keys("author:gokbuget OR author:maude", lib, sort="author") == [  # "Gökbuget, N." first
        "goekbuget2012latex", "gokbuget2017car", "maude2014chimeric"]


def test_later_sort_keys_break_ties():
    def rec(key, year, title):
        return Record(id=key, fields={"title": title}, author=[Name("Maude", "S. L.")], issued=Date(year))

    records = [rec("a", 2014, "Beta"), rec("b", 2018, "Alpha"), rec("c", 2014, "Alpha"), rec("d", None, "Alpha")]
    found = search.search_records("author:maude", records, sort="author,-year,title")
    assert [r.id for r in found.records()] == ["b", "c", "a", "d"]


def test_bad_sort_key():
    with pytest.raises(QueryError, match="cannot sort by 'journal'"):
        search.parse_sort("journal")


# --- the index -----------------------------------------------------------------------------


def test_index_lives_in_the_cache_and_agrees_with_the_library(lib):
    assert keys("leukemia", lib) == ["kantarjian2016inotuzumab", "maude2014chimeric", "anon"]
    path = index.index_path(lib)
    assert path.exists() and path.is_relative_to(os.environ["REFMILL_CACHE_DIR"])
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left
    assert not list(lib.parent.glob("*.sqlite*"))  # nothing beside the library


def test_a_fresh_index_does_not_read_the_library(lib, monkeypatch):
    assert keys("author:maude", lib) == ["gokbuget2017car", "maude2014chimeric"]

    def boom(*a, **k):
        raise AssertionError("the library was parsed although the index is fresh")

    monkeypatch.setattr(library, "load", boom)
    assert [r.id for r in search.search_library("author:maude", str(lib)).records()] == ["gokbuget2017car", "maude2014chimeric"]


def test_the_index_follows_every_change_of_the_library(lib):
    assert keys("author:korkmaz", lib) == []
    records = library.load(lib)
    records[0].set("title", "Renamed by an edit")
    records.append(library.load(ROOT / "refs.bib")[0])  # korkmaz2023clinical
    library.save(lib, records)
    assert keys("author:korkmaz", lib) == ["korkmaz2023clinical"]
    assert keys("title:renamed", lib) == ["gokbuget2017car"]
    assert keys("title:chimeric", lib) == ["maude2014chimeric"]
    lib.write_text(LIBRARY, encoding="utf-8")  # back, by another program
    assert keys("author:korkmaz", lib) == []


def test_same_size_same_mtime_edit_is_still_seen(lib):
    """Content changed behind a stat that looks the same (coarse clocks, restored mtime)."""
    assert keys("springer", lib) == []
    st = lib.stat()
    lib.write_text(LIBRARY.replace("Smith, John", "Smyth, John"), encoding="utf-8")
    os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert lib.stat().st_size == st.st_size
    assert keys("author:smyth", lib) == ["smith2010handbook"]


def test_racily_clean_index_is_checked_by_content(lib, monkeypatch):
    """A file written just before it was indexed may change again within the same clock tick
    without its stat changing: such an index is trusted only after comparing hashes."""
    frozen = index._stat(lib)
    monkeypatch.setattr(index, "_stat", lambda path: dict(frozen))
    monkeypatch.setattr(index.time, "time_ns", lambda: frozen["mtime_ns"] + 1000)  # indexed "at once"
    assert keys("author:smyth", lib) == []
    lib.write_text(LIBRARY.replace("Smith, John", "Smyth, John"), encoding="utf-8")
    assert keys("author:smyth", lib) == ["smith2010handbook"]


def test_touch_keeps_the_index_and_remembers_the_new_stat(lib, monkeypatch):
    keys("leukemia", lib)
    st = lib.stat()
    os.utime(lib, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))  # content unchanged
    monkeypatch.setattr(library, "load", lambda *a: pytest.fail("rebuilt for an unchanged file"))
    assert [r.id for r in search.search_library("leukemia", str(lib)).records()] == ["kantarjian2016inotuzumab", "maude2014chimeric", "anon"]
    hashed = []
    monkeypatch.setattr(index, "_sha256", lambda path: hashed.append(path) or "x")
    search.search_library("leukemia", str(lib))
    assert hashed == []  # the new stat was recorded: no hashing the next time


@pytest.mark.parametrize("damage", [b"not a database at all", b""], ids=["garbage", "empty"])
def test_a_damaged_index_is_rebuilt(lib, damage):
    keys("leukemia", lib)
    index.index_path(lib).write_bytes(damage)
    assert keys("leukemia", lib) == ["kantarjian2016inotuzumab", "maude2014chimeric", "anon"]


def test_an_index_of_another_version_is_rebuilt(lib, monkeypatch):
    keys("leukemia", lib)
    monkeypatch.setattr(index, "VERSION", "0")
    rebuilt = []
    load = library.load
    monkeypatch.setattr(library, "load", lambda p: rebuilt.append(p) or load(p))
    assert keys("leukemia", lib)
    assert rebuilt


def test_unwritable_cache_still_searches(lib, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("REFMILL_CACHE_DIR", str(blocker / "cache"))
    assert keys("author:maude", lib) == ["gokbuget2017car", "maude2014chimeric"]


def _index_tables(path, parallel: bool, monkeypatch) -> dict[str, list]:
    """Every table of a freshly built in-memory index of `path`."""
    import sqlite3

    monkeypatch.setattr(index, "PARALLEL_BYTES", 0 if parallel else 1 << 60)
    conn = sqlite3.connect(":memory:")
    fields = index._fill(conn, path)
    tables = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("docs", "records", "vocab")}
    tables["fields"] = sorted(fields)
    tables["fts"] = conn.execute("SELECT rowid FROM fts WHERE fts MATCH 'author : maude' ORDER BY 1").fetchall()
    return tables


def test_two_processes_index_what_one_does(lib, monkeypatch):
    whole = _index_tables(lib, False, monkeypatch)
    assert len(whole["docs"]) == len(ALL) and whole["fts"] == [(0,), (3,)]
    assert _index_tables(lib, True, monkeypatch) == whole


def test_a_fallback_after_the_first_part_leaves_nothing_behind(lib, monkeypatch):
    import sqlite3

    whole = _index_tables(lib, False, monkeypatch)
    conn = sqlite3.connect(":memory:")
    index._create(conn)
    index._insert(conn, index._rows(library.load(lib)[:3]), 0)
    index._clear(conn)
    assert conn.execute("SELECT count(*) FROM docs").fetchone() == (0,)
    assert conn.execute("SELECT rowid FROM fts WHERE fts MATCH 'author : maude'").fetchall() == []
    index._insert(conn, index._rows(library.load(lib)), 0)
    index._finish(conn)
    assert conn.execute("SELECT * FROM vocab ORDER BY 1").fetchall() == whole["vocab"]
    assert conn.execute("SELECT rowid FROM fts WHERE fts MATCH 'author : maude' ORDER BY 1").fetchall() == whole["fts"]


@pytest.mark.parametrize(
    "extra, error",
    [
        ("@string{nejm = {N Engl J Med}}\n", None),  # macros: one process reads it
        ("@article{gokbuget2017car, title={Again}}\n", None),  # a key in both parts
        ("@article{x1, title={Child}, crossref={gokbuget2017car}}\n", None),  # parent in the other part
        ("@article{broken, title={unclosed\n", "malformed BibTeX"),
    ],
    ids=["string-macro", "key-in-both-parts", "crossref-across-parts", "malformed-second-part"],
)
def test_two_process_read_falls_back_to_one(lib, monkeypatch, extra, error):
    import sqlite3

    lib.write_text(LIBRARY + "\n" + extra, encoding="utf-8")
    conn = sqlite3.connect(":memory:")
    index._create(conn)
    assert index._fill_in_two(conn, lib) is None
    if error is None:
        tables = _index_tables(lib, True, monkeypatch)
        assert [json.loads(csl)["id"] for _, csl in tables["records"]] == [r.id for r in library.load(lib)]
        assert tables == _index_tables(lib, False, monkeypatch)
    else:
        with pytest.raises(LibraryError, match=error) as err:
            _index_tables(lib, True, monkeypatch)
        assert str(err.value) == str(pytest.raises(LibraryError, library.load, lib).value)


def test_a_query_too_large_to_narrow_is_still_answered(lib):
    many = " OR ".join(f"author:nobody{i}" for i in range(1200)) + " OR author:lee"
    assert keys(many, lib) == ["lee2019thesis"]


def test_missing_and_malformed_libraries(tmp_path):
    with pytest.raises(LibraryError, match="no such library"):
        search.search_library("x", str(tmp_path / "none.bib"))
    bad = tmp_path / "bad.bib"
    bad.write_text("@article{a, title={ok}}\n@article{b, title={unclosed\n")
    with pytest.raises(LibraryError, match="malformed BibTeX"):
        search.search_library("x", str(bad))
    assert not index.index_path(bad).exists()


WORDS = ["gokbuget", "maude", "kant", "chimeric", "antigen", "leuk", "blood", "2017", "37", "nejm",
         "cell", "t", "b all", "springer", "hoelzer", "ozogamicin", "therapy", "data", "a", "xyz"]
FIELDS = ["", "author:", "title:", "journal:", "doi:", "type:", "key:", "publisher:", "source:",
          "volume:", "pmid:", "editor:", "raw:", "keyword:", "a:", "t:"]
term = st.builds(
    lambda neg, f, fuzzy, w, quote: ("-" if neg else "") + f + ("~" if fuzzy else "") + (f'"{w}"' if quote else w),
    st.booleans(), st.sampled_from(FIELDS), st.booleans(), st.sampled_from(WORDS), st.booleans(),
) | st.sampled_from(["year:2014..2017", "year:>=2016", "year:<2013", "year:2010"])
query = st.recursive(term, lambda q: st.builds(lambda a, op, b: f"({a} {op} {b})", q, st.sampled_from(["", "OR", "AND"]), q), max_leaves=5)


@given(query)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_index_never_changes_a_result(lib, q):
    """Whatever the index narrows, the result is exactly the predicate's over all records."""
    try:
        keys(q.replace("(", "( ").replace(")", " )").replace("( -", "( NOT "), lib)
    except QueryError:
        pass


# --- the command -----------------------------------------------------------------------


def test_cli_jsonl_by_default_and_exit_codes(invoke, lib):
    result = invoke(["search", "author:maude", "year:2014..2018", "chimeric", "--library", lib])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["gokbuget2017car", "maude2014chimeric"]
    assert records[1]["author"][0] == {"family": "Maude", "given": "S. L."}
    assert result.stderr == ""
    none = invoke(["search", "author:nobody", "--library", lib])
    assert none.exit_code == 1 and none.stdout == "" and none.stderr == ""


def test_jsonl_from_the_index_is_what_the_writer_gives(lib):
    from refmill import formats

    for query in ("year:1000..3000", "NOT year:1000..3000", "author:maude"):
        found = search.search_library(query, str(lib), sort="-title")
        assert found.jsonl() == formats.write(found.records(), "jsonl")
        assert found.jsonl() == search.search_records(query, library.load(lib), sort="-title").jsonl()


def test_cli_malformed_query_exits_2_naming_the_term(invoke, lib):
    result = invoke(["search", "author:maude", "year:20x", "--library", lib])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (
        "Error: bad query term 'year:20x' (column 14): year: takes a year (2017), a range "
        "(2014..2018) or a comparison (>=2015, <2010)\n")


@pytest.mark.parametrize(
    "args, query",
    [
        (["journal:n engl j med"], 'journal:"n engl j med"'),  # journal:"n engl j med" in a shell
        (["journal:blood", "OR", "journal:n engl j med"], 'journal:blood OR journal:"n engl j med"'),
        (["chimeric antigen"], '"chimeric antigen"'),
        (["-author:de angelo"], '-author:"de angelo"'),
        (["~shanon maud"], '~"shanon maud"'),
        (["Cancer: a review"], '"Cancer: a review"'),
        (["title:to be or not"], 'title:"to be or not"'),
        (['title:"chimeric antigen"', "NOT", "author:kantarjian"], 'title:"chimeric antigen" NOT author:kantarjian'),
        (["author:maude year:2014"], "author:maude year:2014"),  # a whole query in one argument
        (["(a OR b) c"], "(a OR b) c"),
        (["a NOT b"], "a NOT b"),
    ],
)
def test_arguments_quoted_for_the_shell_are_phrases(args, query):
    assert search.join_args(args) == query


def test_cli_phrase_from_shell_quotes(invoke, lib):
    result = invoke(["search", "journal:blood", "OR", "journal:n engl j med", "--format", "keys", "--library", lib])
    assert result.stdout.split() == ["gokbuget2017car", "kantarjian2016inotuzumab", "maude2014chimeric"]
    assert invoke(["search", "antigen chimeric", "--library", lib]).exit_code == 1  # a phrase, not two words


def test_cli_negation_after_double_dash(invoke, lib):
    result = invoke(["search", "--library", lib, "--format", "keys", "--", "chimeric", "-author:gokbuget"])
    assert result.exit_code == 0 and result.stdout == "maude2014chimeric\n"


@pytest.mark.parametrize("fmt", ["keys", "json", "csl-json", "bibtex", "ris", "table"])
def test_cli_output_formats_read_back(invoke, lib, fmt):
    result = invoke(["search", "journal:blood", "OR", 'journal:"n engl j med"', "--sort", "year",
                     "--library", lib, "--format", fmt])
    assert result.exit_code == 0, result.stderr
    expected = ["maude2014chimeric", "kantarjian2016inotuzumab", "gokbuget2017car"]
    out = result.stdout
    if fmt == "keys":
        assert out.split() == expected
    elif fmt in ("json", "csl-json"):
        assert [r["id"] for r in json.loads(out)] == expected
    elif fmt == "bibtex":
        parsed = bibtexparser.parse_string(out)
        assert [e.key for e in parsed.entries] == expected and not parsed.failed_blocks
        assert "refmill-" not in out
    elif fmt == "ris":
        assert [r["id"] for r in rispy.loads(out)] == expected
    else:
        assert all(k[:10] in out for k in expected) and "Kantarjian" in out


def test_cli_count_limit_sort(invoke, lib):
    count = invoke(["search", "leukemia", "OR", "leukaemia", "--count", "--library", lib])
    assert count.exit_code == 0 and count.stdout == "4\n"
    limited = invoke(["search", "leukemia", "OR", "leukaemia", "--sort", "-year", "--limit", "2",
                      "--format", "keys", "--library", lib])
    assert limited.stdout == "kantarjian2016inotuzumab\nmaude2014chimeric\n"
    assert invoke(["search", "xyzzy", "--count", "--library", lib]).stdout == "0\n"
    bad = invoke(["search", "x", "--sort", "journal", "--library", lib])
    assert bad.exit_code == 2 and "cannot sort by 'journal'" in bad.stderr


def test_cli_output_file(invoke, lib, tmp_path):
    out = tmp_path / "hits.bib"
    result = invoke(["search", "author:maude", "--library", lib, "-o", out])
    assert result.exit_code == 0 and result.stdout == ""
    assert [e.key for e in bibtexparser.parse_string(out.read_text()).entries] == ["gokbuget2017car", "maude2014chimeric"]


def test_cli_reads_stdin_only_with_in_dash(invoke, lib):
    other = "@article{other1, author={Novak, Jan}, title={Leukaemia in Prague}, year={2001}}\n"
    piped = invoke(["search", "--in", "-", "leukaemia", "--count"], input=other)
    assert piped.exit_code == 0 and piped.stdout == "1\n"
    # without --in the library is searched, and stdin is left alone
    not_read = invoke(["search", "leukaemia", "--format", "keys", "--library", lib], input=other)
    assert not_read.stdout == "goekbuget2012latex\n"


def test_cli_in_files_of_any_format(invoke, tmp_path):
    ris = tmp_path / "a.ris"
    ris.write_text("TY  - JOUR\nID  - doe2019\nAU  - Doe, Jane\nTI  - Gökbuget revisited\nPY  - 2019\nER  - \n")
    js = tmp_path / "b.json"
    js.write_text(json.dumps([{"id": "x1", "type": "book", "title": "G{\\\"o}kbuget's book",
                               "issued": {"date-parts": [[2001]]}}]))
    result = invoke(["search", "--in", ris, "--in", js, "gokbuget", "--format", "keys"])
    assert result.exit_code == 0 and result.stdout == "doe2019\nx1\n"


def test_cli_in_unreadable_input(invoke, tmp_path):
    empty = tmp_path / "empty.bib"
    empty.write_text("")
    result = invoke(["search", "--in", empty, "x"])
    assert result.exit_code == 2 and "empty input" in result.stderr


def test_cli_in_partial_input_exits_3_after_the_matches(invoke, lib, tmp_path):
    empty = tmp_path / "empty.ris"
    empty.write_text("")
    result = invoke(["search", "--in", lib, "--in", empty, "author:maude", "--format", "keys"])
    assert result.exit_code == 3
    assert result.stdout == "gokbuget2017car\nmaude2014chimeric\n"
    assert result.stderr == f"Warning: {empty}: empty input\n"


def test_cli_needs_a_query_and_a_library(invoke, tmp_path):
    no_query = invoke(["search", "--library", tmp_path / "x.bib"])
    assert no_query.exit_code == 2 and "no query given" in no_query.stderr
    missing = invoke(["search", "x", "--library", tmp_path / "x.bib"])
    assert missing.exit_code == 2 and "no such library" in missing.stderr and "Traceback" not in missing.stderr


def test_warm_search_does_not_load_the_bibtex_parser(lib, tmp_path):
    """Start-up time counts: on a fresh index, search imports no BibTeX, RIS or lock code."""
    code = (
        "import sys; from refmill.cli import cli\n"
        "try:\n    cli(['search', 'author:maude', '--format', 'keys', '--library', sys.argv[1]])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'bibtexparser', 'pylatexenc', 'rispy', 'filelock', 'rich'}))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    first = subprocess.run([sys.executable, "-c", code, str(lib)], capture_output=True, text=True, env=env)
    assert first.stdout.endswith("['bibtexparser', 'pylatexenc']\n"), first.stderr  # built the index
    warm = subprocess.run([sys.executable, "-c", code, str(lib)], capture_output=True, text=True, env=env)
    assert warm.stdout == "gokbuget2017car\nmaude2014chimeric\n[]\n", warm.stderr


# --- speed-ups made for the index keep their results -------------------------------------

_REFERENCE_SPELLED = {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                      "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "ð": "d"}


def _reference_fold(text: str) -> str:
    """`model.fold` written plainly, character by character."""
    import re
    import unicodedata

    text = re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text or ""))
    text = "".join(_REFERENCE_SPELLED.get(c, c) for c in text)
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c)).encode("ascii", "ignore").decode()
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


tricky = st.text(alphabet="aZ_ -\n\t.,ßøÆıéİKΣς\u0301\u00a0ﬁ①–", max_size=20)


@given(st.lists(st.text(max_size=20) | tricky, max_size=8))
@settings(max_examples=500)
def test_fold_and_fold_all_are_the_reference_fold(texts):
    from refmill.model import fold, fold_all

    expected = [_reference_fold(t) for t in texts]
    assert [fold(t) for t in texts] == expected
    assert fold_all(texts) == expected


@given(st.text(alphabet=st.sampled_from(list("aBé .-',,\t~{}\\Xy\u00a0")), max_size=16))
@settings(max_examples=1000)
def test_plain_names_read_as_bibtexparser_reads_them(raw):
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    from refmill.formats import bibtex

    parts = parse_single_name_into_parts(raw, strict=False)
    family = bibtex.latex_to_text(" ".join(parts.last))
    given = bibtex.latex_to_text(" ".join(parts.first))
    if not family and given:
        family, given = given, ""
    expected = (family, given, bibtex.latex_to_text(" ".join(parts.von)), bibtex.latex_to_text(" ".join(parts.jr)))
    assert bibtex._name_parts.__wrapped__(raw) == expected
