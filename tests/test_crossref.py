"""The Crossref client (habanero underneath) against a local server, and the JSON mapping."""
from __future__ import annotations

import json
import threading
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug import Response

from crossref_support import (  # noqa: F401 (fixtures)
    BLOOD_DOI, Gauge, _server, crossref, fixture_json, fixture_text, json_response, requests_to,
    serve_standard,
)
from refmill.crossref import (
    Cache, Client, Limits, NotCached, Pacer, Unreachable, check_url, clean_markup, client_from_settings, to_record,
    to_work,
)
from refmill.errors import CrossrefError


def make(server, tmp_path=None, **kw) -> Client:
    kw.setdefault("backoff", 0.01)
    kw.setdefault("timeout", 2)
    kw.setdefault("limits", Limits(rate=200, list_rate=200, concurrency=3))
    if tmp_path is not None:
        kw.setdefault("cache", Cache(tmp_path / "cache.sqlite"))
    return Client(server.url_for("").rstrip("/"), kw.pop("mailto", "me@uni.edu"), **kw)


# --- the mapping ---------------------------------------------------------------------------------


def test_journal_article_maps_to_csl():
    rec = to_record(fixture_json("works-blood.2023022922.json")["message"])
    assert rec.type == "article-journal"
    assert rec.title == "The present and future of CAR T-cell therapy for adult B-cell ALL"
    assert [(a.family, a.given) for a in rec.author] == [("Rampotas", "Alexandros"), ("Roddie", "Claire")]
    assert rec.fields["container-title"] == "Blood" and rec.fields["container-title-short"] == "Blood"
    assert (rec.get("volume"), rec.get("issue"), rec.get("page")) == ("145", "14", "1485-1497")
    assert rec.get("ISSN") == "0006-4971" and rec.get("publisher") == "American Society of Hematology"
    assert rec.issued.to_csl() == {"date-parts": [[2025, 4, 3]]}
    assert rec.get("abstract").startswith("Chimeric antigen receptor") and "<" not in rec.get("abstract")
    assert rec.doi == BLOOD_DOI


def test_markup_types_names_and_dates_are_normalised():
    item = fixture_json("works-jats.json")["message"]
    rec = to_record(item)
    assert rec.title == "Targeting CD19 & CD22 with CAR T cells: the IL-2+ story: A second look"
    assert rec.type == "paper-conference"
    assert rec.author[0].family == "van der Berg" and rec.author[0].given == "Anna-Lena"
    assert "orcid" not in json.dumps(rec.to_csl()).lower()
    assert (rec.author[1].family, rec.author[1].suffix) == ("Núñez", "Jr.")
    assert rec.author[2].literal == "CAR-T Working Group"
    assert rec.editor[0].family == "Editor"
    assert rec.get("container-title") == "Proceedings of the 1st Workshop on Cell Therapy"
    assert rec.get("collection-title") == "Lecture Notes in Cell Therapy"
    assert rec.get("page") == "e1042"  # article number when there is no page range
    assert rec.get("publisher-place") == "Cham" and rec.get("ISBN") == "978-3-16-148410-0"
    assert rec.issued.year == 2022  # issued is [[null]]: published-print is next
    work = to_work(item)
    assert work.years == {2021, 2022}
    assert work.titles[1] == "Targeting CD19 & CD22 with CAR T cells: the IL-2+ story"


@pytest.mark.parametrize("raw, clean", [
    ("H<sub>2</sub>O in <i>E. coli</i>", "H2O in E. coli"),
    ("<jats:title>Abstract</jats:title><jats:p>One.</jats:p><jats:p>Two.</jats:p>", "Abstract One. Two."),
    ("A &lt;i&gt;cis&lt;/i&gt; effect at p &lt; 0.05", "A cis effect at p < 0.05"),
    ("<mml:math><mml:msub><mml:mi>k</mml:mi><mml:mn>2</mml:mn></mml:msub></mml:math> rates &amp; more", "k2 rates & more"),
    ("  line\n   broken\ttitle ", "line broken title"),
])
def test_clean_markup(raw, clean):
    assert clean_markup(raw) == clean


@pytest.mark.parametrize("kind, csl", [
    ("journal-article", "article-journal"), ("book-chapter", "chapter"), ("proceedings-article", "paper-conference"),
    ("posted-content", "article"), ("dissertation", "thesis"), ("dataset", "dataset"), ("edited-book", "book"),
    ("reference-entry", "entry"), ("peer-review", "review"), ("something-new", "article-journal"),
])
def test_crossref_types_map_to_csl_types(kind, csl):
    assert to_record({"DOI": "10.5555/x", "type": kind}).type == csl


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(
    st.sampled_from(["DOI", "type", "title", "subtitle", "author", "editor", "container-title", "page", "issued",
                     "published-print", "volume", "ISSN", "abstract", "score", "article-number"]),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
                 max_leaves=8)))
def test_mapping_never_crashes_on_hostile_json(item):
    rec = to_record(item)  # whatever the shape: a record, never an exception
    assert isinstance(rec.to_csl(), dict)
    to_work(item)


# --- requests ------------------------------------------------------------------------------------


def test_lookup_doi_sends_mailto_in_user_agent_and_maps(crossref, tmp_path):
    serve_standard(crossref)
    client = make(crossref, tmp_path)
    work = client.lookup_doi("https://doi.org/" + BLOOD_DOI)
    assert work.record.title.startswith("The present and future")
    (request,) = requests_to(crossref, "/works/")
    assert request.path == f"/works/{BLOOD_DOI}"
    ua = request.headers["User-Agent"]
    assert "refmill/" in ua and "(mailto:me@uni.edu)" in ua and "habanero/" in ua
    assert client.user_agent == ua


def test_doi_with_url_special_characters_reaches_the_server_intact(crossref):
    doi = "10.1890/0012-9615(1999)069[0569:EDILSA]2.0.CO;2#x?y"
    crossref.expect_request(f"/works/{doi}").respond_with_json(
        {"status": "ok", "message-type": "work", "message": {"DOI": doi, "title": ["Sici"]}})
    assert make(crossref).lookup_doi(doi).record.title == "Sici"


def test_unknown_doi_is_none_and_cached(crossref, tmp_path):
    crossref.expect_request("/works/10.5555/nothing").respond_with_data("Resource not found.", status=404,
                                                                       content_type="text/plain")
    client = make(crossref, tmp_path)
    assert client.lookup_doi("10.5555/nothing") is None
    assert make(crossref, tmp_path).lookup_doi("10.5555/nothing") is None
    assert len(crossref.log) == 1


def test_validation_failure_is_an_error_without_retry(crossref):
    crossref.expect_request("/works").respond_with_data(fixture_text("error-400.json"), status=400,
                                                        content_type="application/json;charset=utf-8")
    with pytest.raises(CrossrefError, match="400.*does not support field query"):
        make(crossref).search_bibliographic("Some reference 2020")
    assert len(crossref.log) == 1


def test_429_waits_for_retry_after_and_slows_down(crossref):
    crossref.expect_oneshot_request("/works/10.5555/x").respond_with_response(json_response(
        {"status": "failed", "message": "slow down"}, 429,
        {"Retry-After": "1", "X-Rate-Limit-Limit": "2", "X-Rate-Limit-Interval": "1s", "X-Concurrency-Limit": "1"}))
    crossref.expect_request("/works/10.5555/x").respond_with_json(
        {"status": "ok", "message": {"DOI": "10.5555/x", "title": ["X"]}})
    client = make(crossref)
    start = time.monotonic()
    assert client.lookup_doi("10.5555/x").record.title == "X"
    assert time.monotonic() - start >= 0.95  # Retry-After: 1 was honoured
    assert len(crossref.log) == 2
    assert client.pacer.limits == Limits(rate=2, list_rate=2, concurrency=1)


@pytest.mark.parametrize("status, body, ctype", [
    (500, "error-500.json", "application/json"),
    (504, "error-504.html", "text/html"),
    (200, "error-504.html", "text/html"),  # a gateway page served as 200: not JSON either
])
def test_server_errors_and_html_pages_are_retried_with_backoff(crossref, status, body, ctype):
    for _ in range(2):
        crossref.expect_oneshot_request("/works/10.5555/y").respond_with_data(fixture_text(body), status=status,
                                                                              content_type=ctype)
    crossref.expect_request("/works/10.5555/y").respond_with_json({"status": "ok", "message": {"DOI": "10.5555/y"}})
    sleeps: list[float] = []
    client = make(crossref, sleep=sleeps.append, backoff=0.5)
    assert client.lookup_doi("10.5555/y").doi == "10.5555/y"
    assert len(crossref.log) == 3
    assert len(sleeps) == 2 and 0.25 <= sleeps[0] <= 0.75 and 0.5 <= sleeps[1] <= 1.5  # 0.5·2^n, jittered


def test_persistent_504_gives_up_after_the_retries(crossref):
    crossref.expect_request("/works").respond_with_data(fixture_text("error-504.html"), status=504,
                                                        content_type="text/html")
    with pytest.raises(CrossrefError, match="504.*after 3 tries"):
        make(crossref, retries=2).search_bibliographic("A reference 2020")
    assert len(crossref.log) == 3


def test_time_out_makes_crossref_unreachable_once(crossref):
    crossref.expect_request("/works/10.5555/slow").respond_with_handler(
        lambda r: (time.sleep(0.6), json_response({"status": "ok", "message": {"DOI": "10.5555/slow"}}))[1])
    client = make(crossref, timeout=0.2, retries=1)
    with pytest.raises(Unreachable, match="cannot be reached.*no answer within 0.2 s"):
        client.lookup_doi("10.5555/slow")
    sent = len(crossref.log) if crossref.log else 2
    with pytest.raises(Unreachable):
        client.lookup_doi("10.5555/other")  # fails at once, asks nothing
    time.sleep(0.7)
    assert len(crossref.log) <= sent


def test_connection_refused_is_unreachable(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}", None, retries=1, backoff=0.01, cache=Cache(tmp_path / "c.sqlite"))
    with pytest.raises(Unreachable, match=f"cannot be reached at http://127.0.0.1:{port}"):
        client.lookup_doi("10.5555/x")


def test_malformed_json_is_an_error(crossref):
    crossref.expect_request("/works/10.5555/refmill.cut").respond_with_data(
        fixture_text("works-truncated.json"), content_type="application/json")
    crossref.expect_request("/works").respond_with_data('{"status":"ok","message":[]}', content_type="application/json")
    client = make(crossref)
    with pytest.raises(CrossrefError, match="malformed"):
        client.lookup_doi("10.5555/refmill.cut")
    with pytest.raises(CrossrefError, match="malformed"):
        client.search_bibliographic("A reference 2020")


def test_search_asks_for_rows_and_fields_and_orders_candidates(crossref):
    serve_standard(crossref)
    works = make(crossref).search_bibliographic("  Malard F,  Mohty M. Acute lymphoblastic leukaemia. ")
    assert [w.doi for w in works][:2] == ["10.5555/refmill.malard2020", "10.5555/refmill.inaba2013"]
    assert works[0].score == 96.4
    (request,) = requests_to(crossref, "/works")
    assert request.args["query.bibliographic"] == "Malard F, Mohty M. Acute lymphoblastic leukaemia."
    assert request.args["rows"] == "20"
    assert {"DOI", "title", "author", "volume", "page", "issued", "score"} <= set(request.args["select"].split(","))


# --- cache, offline, refresh ---------------------------------------------------------------------------


def test_cache_answers_the_second_run_and_offline(crossref, tmp_path):
    serve_standard(crossref)
    make(crossref, tmp_path).lookup_doi(BLOOD_DOI)
    make(crossref, tmp_path).search_bibliographic("Acute lymphoblastic leukaemia 2020")
    assert len(crossref.log) == 2
    again = make(crossref, tmp_path)
    assert again.lookup_doi(BLOOD_DOI).record.get("volume") == "145"
    assert again.search_bibliographic("Acute lymphoblastic leukaemia 2020")[0].doi == "10.5555/refmill.malard2020"
    offline = make(crossref, tmp_path, offline=True)
    assert offline.lookup_doi(BLOOD_DOI) is not None
    with pytest.raises(NotCached):
        offline.lookup_doi("10.5555/never-asked")
    assert len(crossref.log) == 2 and again.cache_hits == 2
    make(crossref, tmp_path, refresh=True).lookup_doi(BLOOD_DOI)
    assert len(crossref.log) == 3


def test_cache_keeps_only_what_the_mapping_reads(crossref, tmp_path):
    serve_standard(crossref)
    make(crossref, tmp_path).lookup_doi(BLOOD_DOI)
    import sqlite3

    (body,) = sqlite3.connect(tmp_path / "cache.sqlite").execute("SELECT body FROM answers").fetchone()
    kept = json.loads(zlib.decompress(body))
    assert kept["DOI"] == BLOOD_DOI and "reference" not in kept and "license" not in kept


def test_damaged_cache_entries_are_asked_again(crossref, tmp_path):
    serve_standard(crossref)
    make(crossref, tmp_path).lookup_doi(BLOOD_DOI)
    import sqlite3

    with sqlite3.connect(tmp_path / "cache.sqlite") as db:
        db.execute("UPDATE answers SET body = ?", (b"not zlib",))
    assert make(crossref, tmp_path).lookup_doi(BLOOD_DOI).record.get("volume") == "145"
    assert len(crossref.log) == 2


# --- pacing ------------------------------------------------------------------------------------------


def _parallel_searches(client: Client, n: int) -> None:
    threads = [threading.Thread(target=client.search_bibliographic, args=(f"Reference number {i} 2020",))
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrency_limit_holds_against_a_parallel_server(crossref):
    gauge = Gauge()
    crossref.expect_request("/works").respond_with_handler(gauge.wrap(
        lambda r: Response(fixture_text("query-empty.json"), content_type="application/json"), delay=0.3))
    _parallel_searches(make(crossref, limits=Limits(rate=100, list_rate=100, concurrency=2)), 6)
    assert len(gauge.starts) == 6
    assert gauge.peak == 2  # never more in flight than the limit (and the limit was used)


def test_rate_limit_holds_against_a_parallel_server(crossref):
    gauge = Gauge()
    crossref.expect_request("/works").respond_with_handler(gauge.wrap(
        lambda r: Response(fixture_text("query-empty.json"), content_type="application/json")))
    _parallel_searches(make(crossref, limits=Limits(rate=100, list_rate=10, concurrency=3)), 12)
    assert len(gauge.starts) == 12
    # list queries: 10 per second, so about 5 in any half second (arrival jitter allowed for);
    # unpaced, all 12 would arrive within a few milliseconds
    starts = sorted(gauge.starts)
    busiest = max(sum(1 for t in starts if s <= t < s + 0.5) for s in starts)
    assert busiest <= 7
    assert starts[-1] - starts[0] >= 0.8


def test_public_pool_without_mailto_sends_one_at_a_time(crossref, tmp_path):
    client = client_from_settings({}, None, crossref.url_for(""), False, False, tmp_path)
    assert client.pacer.limits == Limits(rate=5, list_rate=1, concurrency=1)
    polite = client_from_settings({"mailto": "me@uni.edu", "crossref_concurrency": 2}, None, None, False, False, tmp_path)
    assert polite.pacer.limits == Limits(rate=10, list_rate=3, concurrency=2)
    assert polite.base_url == "https://api.crossref.org"


def test_pacer_spaces_starts_by_kind():
    now = [0.0]
    slept: list[float] = []

    def sleep(s):
        slept.append(round(s, 3))
        now[0] += s

    pacer = Pacer(Limits(rate=10, list_rate=2, concurrency=1), clock=lambda: now[0], sleep=sleep)
    for kind in ("list", "list", "single", "single"):
        with pacer.slot(kind):
            pass
    assert slept == [0.5, 0.1]
    pacer.pause(3)
    with pacer.slot("single"):
        pass
    assert slept[-1] == pytest.approx(3.0)


@pytest.mark.parametrize("url", ["ftp://example.org", "api.crossref.org", "file:///etc/passwd", "http://"])
def test_only_http_urls_are_accepted(url):
    with pytest.raises(CrossrefError, match="not an http"):
        check_url(url)


def test_bad_settings_are_errors(tmp_path):
    from refmill.config import ConfigError

    with pytest.raises(ConfigError, match="crossref_rate = 'fast': expected a positive number"):
        client_from_settings({"crossref_rate": "fast"}, None, None, False, False, tmp_path)
    with pytest.raises(ConfigError, match="crossref_retries = -1: expected a whole number, 0 or more"):
        client_from_settings({"crossref_retries": -1}, None, None, False, False, tmp_path)
    with pytest.raises(CrossrefError, match="not an e-mail address"):
        client_from_settings({}, "me at uni", None, False, False, tmp_path)
