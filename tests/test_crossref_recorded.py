"""Replays the real recorded Crossref answers in ../shared/data/crossref-fixtures/.

Each body is served from the local server as recorded (status, content type, limit headers)
and read by the real client; nothing is copied into the repository. Skips where the shared
folder is absent.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crossref_support import _server, crossref  # noqa: F401 (fixtures)
from refmill.crossref import TYPES, Cache, Client, Limits, to_work
from refmill.enrich import MATCHED, UNMATCHED, best_match, enrich_one
from refmill.errors import CrossrefError
from refmill.model import Date, Name, Record


@pytest.fixture
def recorded(shared) -> tuple[Path, dict[str, dict]]:
    base = shared / "data" / "crossref-fixtures"
    if not (base / "index.json").is_file():
        pytest.skip(f"{base} has no index.json")
    return base, {e["file"]: e for e in json.loads((base / "index.json").read_text())}


def serve(server, base: Path, entry: dict, path: str | None = None) -> None:
    headers = {k: v for k, v in (entry.get("response_headers") or {}).items()
               if k.startswith("x-") or k == "content-type"}
    server.expect_request(path or urlsplit(entry["request"]["uri"]).path).respond_with_data(
        (base / entry["file"]).read_bytes(), status=entry["status"],
        content_type=headers.pop("content-type", "application/json"), headers=headers)


def client(server, tmp_path, **kw) -> Client:
    return Client(server.url_for("").rstrip("/"), "me@uni.edu", backoff=0.01, timeout=5,
                  limits=Limits(200, 200, 3), cache=Cache(tmp_path / "c.sqlite"), **kw)


def test_every_recorded_work_maps_to_a_clean_record(crossref, recorded, tmp_path):
    base, index = recorded
    works = [e for f, e in index.items() if f.startswith("works/")]
    assert len(works) >= 10
    for entry in works:
        serve(crossref, base, entry)
    c = client(crossref, tmp_path)
    for entry in works:
        doi = urlsplit(entry["request"]["uri"]).path[len("/works/"):]
        body = json.loads((base / entry["file"]).read_text())["message"]
        work = c.lookup_doi(doi)
        rec = work.record
        assert rec.doi.lower() == doi.lower(), entry["file"]
        assert rec.title and "<" not in rec.title and "  " not in rec.title, entry["file"]
        assert rec.type == TYPES[body["type"]]
        assert not re.search(r"</?[A-Za-z][\w:.-]*>", rec.title + rec.get("abstract")), entry["file"]
        assert all((a.family or a.literal) and "orcid" not in a.given.lower() for a in rec.author), entry["file"]
        if body.get("short-container-title"):
            assert rec.get("container-title-short") == body["short-container-title"][0].strip()
        years = {p[0] for k in ("issued", "published-print", "published-online")
                 for p in (body.get(k) or {}).get("date-parts", []) if p and p[0]}
        assert work.years == years
        if years:
            assert rec.year in years
    assert len(crossref.log) == len(works)


def test_recorded_unknown_doi_is_none(crossref, recorded, tmp_path):
    base, index = recorded
    entry = index["errors/works-404-10.1371_notarealdoi.txt"]
    serve(crossref, base, entry)
    assert client(crossref, tmp_path).lookup_doi("10.1371/notarealdoi") is None


@pytest.mark.parametrize("name, message, tries", [
    ("errors/works-400-field-query-on-single-doi.json", "does not support field query parameters", 1),
    ("errors/works-400-sample-200.json", "less than or equal to 100", 1),
    ("errors/works-404-bad-cursor.json", "404", 1),
    ("errors/works-500-cursor-5.json", "500.*after 3 tries", 3),
    ("errors/journals-504-gateway-timeout.html", "504.*after 3 tries", 3),
])
def test_recorded_errors(crossref, recorded, tmp_path, name, message, tries):
    base, index = recorded
    serve(crossref, base, index[name], "/works")
    with pytest.raises(CrossrefError, match=message):
        client(crossref, tmp_path, retries=2).search_bibliographic("Tkaczyk CERMINE 2015")
    assert len(crossref.log) == tries


def _query_record(entry: dict) -> Record:
    ref = entry["request"]["reference"]
    if not ref.startswith("{"):
        return Record(type="article", custom={"raw": ref})
    fields = json.loads(ref)
    rec = Record(author=[Name(family=fields["author"])], issued=Date(int(fields["year"])))
    rec.set("volume", fields.get("volume"))
    rec.set("page", fields.get("first-page"))
    rec.set("container-title", fields.get("journal-title"))
    return rec


def test_recorded_query_bibliographic_cases_two_match_two_traps(crossref, recorded, tmp_path):
    base, index = recorded
    cases = [e for f, e in index.items() if f.startswith("query-bibliographic/")]
    assert len(cases) == 4 and sum(1 for e in cases if e["request"]["expected_doi"]) == 2
    for entry in cases:
        crossref.clear()
        serve(crossref, base, entry, "/works")
        outcome = enrich_one(_query_record(entry), client(crossref, tmp_path, refresh=True))
        expected = entry["request"]["expected_doi"]
        if expected:
            assert outcome.status == MATCHED and outcome.record.doi == expected, (entry["file"], outcome.message)
        else:
            assert outcome.status == UNMATCHED and outcome.record.doi == "", (entry["file"], outcome.message)
            assert outcome.evidence is not None and not outcome.evidence.accepted


def test_recorded_lists_without_a_reference_match_nothing(crossref, recorded, tmp_path):
    base, index = recorded
    serve(crossref, base, index["lists/works_query-adfaaf_zero-results.json"], "/works")
    outcome = enrich_one(Record(custom={"raw": "adfaaf qwerty unknown reference 1999"}), client(crossref, tmp_path))
    assert outcome.status == UNMATCHED and outcome.message == "no candidates"
    fish = json.loads((base / "lists/journals-2167-8359-works_query.bibliographic-fish_filter-type-journal-article.json").read_text())
    works = [to_work(i) for i in fish["message"]["items"]]
    assert len(works) == 20
    assert best_match(Record(custom={"raw": "fish"}), works)[0] is None
    assert best_match(Record(fields={"title": "fish"}), works)[0] is None
