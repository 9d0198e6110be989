"""Crossref: the one module that imports habanero.

Three parts with one job each: `to_record`/`to_work`, a pure table-driven mapping from
Crossref's JSON to a `Record`; `Cache`, answers kept on disk so a second run sends no
request; and `Client`, which asks Crossref through habanero politely (paced under the
published limits, retried with backoff, Retry-After honoured) and raises only
`CrossrefError`.

habanero 2.9 sends every request with a module-level `httpx2.get` and returns only the
JSON, so limit headers are visible only on errors (on the httpx2 error it raises from).
"""
from __future__ import annotations

import contextlib
import html
import json
import random
import re
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

import httpx2
from habanero import Crossref, RequestError

from . import __version__
from .errors import CrossrefError
from .model import Date, Name, Record, normalize_doi, normalize_pages

DEFAULT_URL = "https://api.crossref.org"
USER_AGENT = f"refmill/{__version__}"
ROWS = 20  # candidates asked for per reference, as Crossref's own matcher does

# --- the mapping: Crossref JSON -> Record (pure) ---------------------------------------------

# Crossref work types -> CSL types (Crossref's own CSL transform, where it has one).
TYPES = {
    "journal-article": "article-journal",
    "proceedings-article": "paper-conference",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "book-track": "chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book",
    "book-series": "book",
    "proceedings": "book",
    "proceedings-series": "book",
    "reference-entry": "entry",
    "dissertation": "thesis",
    "report": "report",
    "report-component": "report",
    "report-series": "report",
    "posted-content": "article",
    "dataset": "dataset",
    "database": "dataset",
    "standard": "standard",
    "peer-review": "review",
    "journal": "periodical",
    "journal-volume": "periodical",
    "journal-issue": "periodical",
    "component": "document",
    "grant": "document",
    "other": "document",
}

# Crossref key -> CSL variable, for the plain text fields (first element of a list).
TEXT_FIELDS = {
    "DOI": "DOI",
    "volume": "volume",
    "issue": "issue",
    "publisher": "publisher",
    "publisher-location": "publisher-place",
    "ISSN": "ISSN",
    "ISBN": "ISBN",
    "short-container-title": "container-title-short",
}
# What the mapping reads: list queries ask only for these (select=), the cache keeps only these.
WANTED = (
    "DOI", "type", "title", "subtitle", "author", "editor", "container-title",
    "short-container-title", "volume", "issue", "page", "article-number", "issued",
    "published-print", "published-online", "published", "publisher", "publisher-location",
    "ISSN", "ISBN", "abstract", "score",
)
DATE_KEYS = ("issued", "published-print", "published-online", "published")

_TAG_RX = re.compile(r"<(/?)([A-Za-z][\w:.-]*)(?:\s[^<>]*)?/?>")
_BLOCK_TAGS = {"p", "title", "sec", "br", "list-item", "jats:p", "jats:title", "jats:sec",
               "jats:break", "jats:list-item"}
_ESCAPED_TAG_RX = re.compile(r"</?(?:i|b|em|strong|sub|sup|scp|u|jats:[\w-]+|mml:[\w-]+)(?:\s[^<>]*)?/?>", re.I)
_ORCID_RX = re.compile(r"\s*(?:https?://orcid\.org/)?\b\d{4}-\d{4}-\d{4}-\d{3}[\dX]\b", re.I)


def clean_markup(text: Any) -> str:
    """Crossref's JATS/HTML ("<i>", "<jats:italic>", "&amp;") -> plain text, one line."""
    if not isinstance(text, str):
        return ""

    def tag(m: re.Match[str]) -> str:
        return " " if m.group(2).lower() in _BLOCK_TAGS else ""

    text = html.unescape(_TAG_RX.sub(tag, text))
    text = _ESCAPED_TAG_RX.sub("", text)  # markup that was escaped once too often: "&lt;i&gt;"
    return re.sub(r"\s+", " ", text).strip()


def _strings(value: Any) -> list[str]:
    """Crossref gives most text fields as lists; tolerate a bare string or junk."""
    if isinstance(value, (str, int, float)):
        value = [value]
    out = []
    for v in value if isinstance(value, list) else []:
        if isinstance(v, str):
            v = clean_markup(v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            v = str(v)
        else:
            continue
        if v:
            out.append(v)
    return out


def _first(value: Any) -> str:
    found = _strings(value)
    return found[0] if found else ""


def _date(value: Any) -> Date | None:
    """{"date-parts": [[2015, 7, 3]]} -> Date; [[null]] and junk -> None."""
    try:
        parts = value["date-parts"][0]
        year = int(parts[0])
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    rest = []
    for p in parts[1:3]:
        try:
            rest.append(int(p))
        except (TypeError, ValueError):
            break
    rest += [None] * (2 - len(rest))
    return Date(year, rest[0], rest[1])


def _names(people: Any) -> list[Name]:
    out = []
    for p in people if isinstance(people, list) else []:
        if not isinstance(p, dict):
            continue
        family = _ORCID_RX.sub("", clean_markup(p.get("family")))
        given = _ORCID_RX.sub("", clean_markup(p.get("given")))
        if family:
            out.append(Name(family=family, given=given, suffix=clean_markup(p.get("suffix"))))
        elif clean_markup(p.get("name")):
            out.append(Name(literal=clean_markup(p.get("name"))))
        elif given:  # a lone given name is the whole name as deposited
            out.append(Name(family=given))
    return out


def titles(item: dict[str, Any]) -> tuple[str, ...]:
    """The work's title with its subtitle, and the main title alone when they differ."""
    main, sub = _first(item.get("title")), _first(item.get("subtitle"))
    if main and sub and sub.lower() not in main.lower():
        return (f"{main}: {sub}", main)
    return (main,) if main else ()


def to_record(item: dict[str, Any]) -> Record:
    """One Crossref work item -> Record (pure: no I/O, no configuration)."""
    if not isinstance(item, dict):
        raise CrossrefError("Crossref answered with something that is not a work")
    rec = Record(type=TYPES.get(str(item.get("type") or ""), "article-journal"))
    names = titles(item)
    rec.set("title", names[0] if names else "")
    containers = _strings(item.get("container-title"))
    if containers:
        rec.set("container-title", containers[0])
        if len(containers) > 1 and rec.type in ("chapter", "paper-conference", "book"):
            rec.set("collection-title", containers[1])  # the book series
    for key, csl in TEXT_FIELDS.items():
        rec.set(csl, _first(item.get(key)))
    rec.set("DOI", normalize_doi(rec.doi) or rec.doi)
    rec.set("page", normalize_pages(_first(item.get("page"))) or _first(item.get("article-number")))
    abstract = clean_markup(item.get("abstract"))
    rec.set("abstract", re.sub(r"^Abstract\s+", "", abstract))
    rec.author = _names(item.get("author"))
    rec.editor = _names(item.get("editor"))
    for key in DATE_KEYS:
        date = _date(item.get(key))
        if date:
            rec.issued = date
            break
    return rec


@dataclass(frozen=True)
class Work:
    """A Crossref work: the mapped record plus what matching needs beyond it."""

    record: Record
    titles: tuple[str, ...]  # with subtitle, and without
    containers: tuple[str, ...]  # every container title and short title
    years: frozenset[int]  # issued, print and online years: these often differ by one
    kind: str  # Crossref's own type
    score: float | None = None  # Crossref's relevance score (list queries only)
    item: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # the JSON, trimmed

    @property
    def doi(self) -> str:
        return self.record.doi


def to_work(item: dict[str, Any]) -> Work:
    rec = to_record(item)
    years = {d.year for d in (_date(item.get(k)) for k in DATE_KEYS) if d and d.year}
    score = item.get("score")
    return Work(
        record=rec,
        titles=titles(item),
        containers=tuple(_strings(item.get("container-title")) + _strings(item.get("short-container-title"))),
        years=frozenset(years),
        kind=str(item.get("type") or ""),
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        item=item,
    )


def _trim(item: Any) -> dict[str, Any]:
    """Keep only what the mapping reads, so the cache stays small."""
    if not isinstance(item, dict) or not isinstance(item.get("DOI"), str):
        raise CrossrefError("Crossref answered with a work that has no DOI")
    return {k: item[k] for k in WANTED if k in item}


# --- the cache ---------------------------------------------------------------------------------


class Cache:
    """Crossref answers in one SQLite file, compressed; each write is its own transaction.

    A "not found" answer is kept too (as null), so a second run asks nothing at all.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
                db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, body BLOB, fetched REAL)")
            except (OSError, sqlite3.Error) as exc:
                raise CrossrefError(f"{self.path}: cannot open the Crossref cache ({exc}); set REFMILL_CACHE_DIR") from None
            self._db = db
        return self._db

    def get(self, key: str) -> tuple[bool, Any]:
        """(True, answer) when cached, else (False, None)."""
        with self._lock:
            try:
                row = self._open().execute("SELECT body FROM answers WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as exc:
                raise CrossrefError(f"{self.path}: cannot read the Crossref cache ({exc})") from None
        if row is None:
            return False, None
        try:
            return True, json.loads(zlib.decompress(row[0]))
        except (ValueError, TypeError, zlib.error):
            return False, None  # a damaged entry is asked again

    def put(self, key: str, value: Any) -> None:
        # compressed: twenty candidates with abstracts are ~40 kB as JSON, a fifth of that here
        body = zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), 6)
        with self._lock:
            try:
                self._open().execute(
                    "INSERT OR REPLACE INTO answers (key, body, fetched) VALUES (?, ?, ?)", (key, body, time.time())
                )
            except sqlite3.Error as exc:
                raise CrossrefError(f"{self.path}: cannot write the Crossref cache ({exc})") from None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


# --- pacing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """Requests per second (single works, list queries) and requests in flight."""

    rate: float
    list_rate: float
    concurrency: int


POLITE = Limits(rate=10.0, list_rate=3.0, concurrency=3)  # with a mailto
PUBLIC = Limits(rate=5.0, list_rate=1.0, concurrency=1)


class Pacer:
    """Holds the limits on the client side: request starts spaced 1/rate apart per kind,
    at most `concurrency` in flight, and everyone waits after a 429's Retry-After."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.limits = limits
        self._clock, self._sleep = clock, sleep
        self._cond = threading.Condition()
        self._in_flight = 0
        self._next = {"single": 0.0, "list": 0.0}

    def _interval(self, kind: str) -> float:
        rate = self.limits.list_rate if kind == "list" else self.limits.rate
        return 1.0 / rate if rate > 0 else 0.0

    @contextlib.contextmanager
    def slot(self, kind: str) -> Iterator[None]:
        with self._cond:
            while self._in_flight >= max(1, self.limits.concurrency):
                self._cond.wait()
            self._in_flight += 1
            now = self._clock()
            start = max(now, self._next[kind], self._next.get("all", 0.0))
            self._next[kind] = start + self._interval(kind)
        try:
            if start > now:
                self._sleep(start - now)
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

    def pause(self, seconds: float) -> None:
        """No request of any kind starts for `seconds` (a 429 or 503 with Retry-After)."""
        with self._cond:
            self._next["all"] = max(self._next.get("all", 0.0), self._clock() + seconds)

    def tighten(self, rate: float | None, concurrency: int | None) -> None:
        """Lower the limits to what the server announced; never raise them."""
        with self._cond:
            lim = self.limits
            if rate and rate > 0:
                lim = Limits(min(lim.rate, rate), min(lim.list_rate, rate), lim.concurrency)
            if concurrency and concurrency > 0:
                lim = Limits(lim.rate, lim.list_rate, min(lim.concurrency, concurrency))
            self.limits = lim


# --- the client ----------------------------------------------------------------------------------


class NotCached(CrossrefError):
    """--offline, and the answer is not in the cache."""


class Unreachable(CrossrefError):
    """Crossref could not be reached (connection refused, DNS, time-outs after retries)."""


@dataclass
class _Failure:
    message: str
    status: int | None = None
    retry: bool = False
    unreachable: bool = False
    retry_after: float | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__]  # type: ignore[list-item]


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _body_message(response: httpx2.Response) -> str:
    """The reason in Crossref's error body (JSON message, or the first text line)."""
    try:
        body = response.json()
        msg = body.get("message")
        if isinstance(msg, list) and msg and isinstance(msg[0], dict):
            return str(msg[0].get("message") or "").strip()
        if isinstance(msg, dict):
            return str(msg.get("message") or msg.get("description") or "").strip()
        return str(msg or "").strip()
    except Exception:
        text = re.sub(r"<[^>]+>", " ", response.text or "")
        return re.sub(r"\s+", " ", text).strip()[:120]


def classify(exc: BaseException, timeout: float) -> _Failure:
    """What a failed habanero call means: retry, not found, unreachable, or plain error."""
    response = None
    for e in _chain(exc):
        if isinstance(e, httpx2.HTTPStatusError):
            response = e.response
            break
    if response is not None:
        status = response.status_code
        headers = {k.lower(): v for k, v in response.headers.items()}
        reason = _body_message(response)
        is_html = "html" in headers.get("content-type", "")
        message = f"HTTP {status}" + (f" ({reason})" if reason else "")
        return _Failure(
            message + (" (an HTML page)" if is_html and not reason else ""), status,
            retry=status in (408, 425, 429) or status >= 500, retry_after=_retry_after(headers.get("retry-after")), headers=headers,
        )
    for e in _chain(exc):
        if isinstance(e, RequestError):  # habanero's: a JSON error body, or not JSON at all
            status = e.status_code if isinstance(e.status_code, int) else None
            text = str(e.error)
            if "<html" in text.lower() or status == 200:
                return _Failure(f"HTTP {status}: an HTML page instead of JSON", status, retry=True)
            return _Failure(f"HTTP {status} ({text.strip()[:200]})", status,
                            retry=bool(status and (status == 429 or status >= 500)))
        if isinstance(e, httpx2.TimeoutException):
            return _Failure(f"no answer within {timeout:g} s", retry=True, unreachable=True)
        if isinstance(e, httpx2.TransportError):
            return _Failure(f"cannot connect ({e})", retry=True, unreachable=True)
        if isinstance(e, (ValueError, TypeError, KeyError, IndexError, AttributeError)):
            return _Failure(f"malformed answer ({type(e).__name__}: {str(e)[:80]})")
    return _Failure(f"{type(exc).__name__}: {exc}")


def _checked(name: str, value: str, example: str) -> str:
    """The config module's check for `name`, as a CrossrefError (options are checked too)."""
    from .config import CHECKS

    try:
        return CHECKS[name](value)
    except ValueError as exc:
        raise CrossrefError(f"not {example}: {value!r}; {exc}") from None


def check_url(url: str) -> str:
    """Only http(s) URLs with a host; trailing slashes cut."""
    url = _checked("crossref_url", str(url).strip(), "an http(s) URL for Crossref")
    if not urlsplit(url).netloc:
        raise CrossrefError(f"not an http(s) URL for Crossref: {url!r}; expected e.g. {DEFAULT_URL}")
    return url


def check_mailto(mailto: str | None) -> str | None:
    if mailto in (None, ""):
        return None
    return _checked("mailto", str(mailto).strip(), "an e-mail address for --mailto")


class Client:
    """Asks Crossref for works: `lookup_doi` and `search_bibliographic`.

    Answers come from the cache when it has them (unless `refresh`); `offline` asks nothing.
    Requests are paced by `limits` (polite pool with a mailto, public pool without),
    retried on 429/5xx/HTML pages/time-outs with exponential backoff and jitter, and once
    Crossref proved unreachable every further lookup fails at once instead of waiting again.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_URL,
        mailto: str | None = None,
        *,
        timeout: float = 20.0,
        limits: Limits | None = None,
        retries: int = 4,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        cache: Cache | None = None,
        offline: bool = False,
        refresh: bool = False,
        rows: int = ROWS,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.base_url = check_url(base_url)
        self.mailto = check_mailto(mailto)
        self.timeout = float(timeout)
        self.pacer = Pacer(limits or (POLITE if self.mailto else PUBLIC), sleep=sleep)
        self.retries, self.backoff, self.max_wait = int(retries), float(backoff), float(max_wait)
        self.cache, self.offline, self.refresh, self.rows = cache, offline, refresh, int(rows)
        self._sleep = sleep
        self._cr = Crossref(base_url=self.base_url, mailto=self.mailto, ua_string=USER_AGENT, timeout=self.timeout)
        self.down: str | None = None  # why Crossref cannot be reached, once that is known
        self.requests = 0  # sent, retries included
        self.cache_hits = 0
        self._count = threading.Lock()

    @property
    def user_agent(self) -> str:
        """The User-Agent every request carries (the mailto in it puts us in the polite pool)."""
        from habanero.habanero_utils import make_ua

        return make_ua(self.mailto, USER_AGENT)["User-Agent"]

    # -- the two questions --

    def lookup_doi(self, doi: str) -> Work | None:
        """The work registered under `doi`, or None when Crossref does not know it."""
        bare = normalize_doi(doi)
        if not bare:
            raise CrossrefError(f"not a DOI: {doi!r}; expected 10.xxxx/...")

        def fetch() -> Any:
            # habanero pastes the id into the path: percent-encode what would break the URL
            answer = self._cr.works(ids=quote(bare, safe="/:;(),"))
            return _trim(answer["message"])

        item = self._ask("single", f"doi:{bare.lower()}", fetch, not_found_ok=True)
        return to_work(item) if item is not None else None

    def search_bibliographic(self, text: str, rows: int | None = None) -> list[Work]:
        """Candidates for a reference string, best first by Crossref's relevance."""
        text = re.sub(r"\s+", " ", text or "").strip()[:1000]
        if len(text) < 3:
            raise CrossrefError("nothing to search with")
        rows = int(rows or self.rows)

        def fetch() -> Any:
            answer = self._cr.works(query_bibliographic=text, limit=rows, select=",".join(WANTED))
            items = answer["message"]["items"]
            if not isinstance(items, list):
                raise TypeError("items is not a list")
            return [_trim(i) for i in items]

        items = self._ask("list", f"bibliographic:{rows}:{text}", fetch)
        return [to_work(i) for i in items]

    def remember(self, work: Work) -> None:
        """Keep a matched candidate under its DOI, so the next run's DOI lookup asks nothing."""
        key = f"doi:{work.doi.lower()}"
        if self.cache is not None and work.item and not self.cache.get(key)[0]:
            self.cache.put(key, {k: v for k, v in work.item.items() if k != "score"})

    # -- the machinery --

    def _ask(self, kind: str, key: str, fetch: Callable[[], Any], not_found_ok: bool = False) -> Any:
        if self.cache is not None and not self.refresh:
            hit, value = self.cache.get(key)
            if hit:
                with self._count:
                    self.cache_hits += 1
                return value
        if self.offline:
            raise NotCached("not in the cache (--offline)")
        value = self._fetch(kind, fetch, not_found_ok)
        if self.cache is not None:
            self.cache.put(key, value)
        return value

    def _fetch(self, kind: str, fetch: Callable[[], Any], not_found_ok: bool) -> Any:
        attempt = 0
        while True:
            if self.down:
                raise Unreachable(self.down)
            with self.pacer.slot(kind):
                with self._count:
                    self.requests += 1
                try:
                    return fetch()
                except CrossrefError:
                    raise
                except Exception as exc:  # habanero raises httpx2, RequestError, RuntimeError, ValueError…
                    failure = classify(exc, self.timeout)
            if failure.status == 404 and not_found_ok:
                return None
            self._obey_headers(failure.headers)
            # a refused connection or a time-out is rarely cured by waiting long: two more tries
            allowed = min(self.retries, 2) if failure.unreachable else self.retries
            if failure.retry and attempt < allowed:
                wait = failure.retry_after
                if wait is None:
                    wait = self.backoff * (2**attempt) * (0.5 + random.random())
                if wait <= self.max_wait:
                    if failure.retry_after is not None or failure.status == 429:
                        self.pacer.pause(wait)  # the server asked every request to wait
                    else:
                        self._sleep(wait)
                    attempt += 1
                    continue
                failure.message += f"; asked to wait {wait:g} s, more than {self.max_wait:g} s"
            if failure.unreachable:
                self.down = f"Crossref cannot be reached at {self.base_url}: {failure.message}"
                raise Unreachable(self.down)
            tries = f" after {attempt + 1} tries" if attempt else ""
            raise CrossrefError(f"Crossref answered {failure.message}{tries}")

    def _obey_headers(self, headers: dict[str, str]) -> None:
        """x-rate-limit-limit / -interval and x-concurrency-limit lower our limits."""
        rate = concurrency = None
        try:
            limit = float(headers["x-rate-limit-limit"])
            interval = float(re.sub(r"[^\d.]", "", headers.get("x-rate-limit-interval", "1s")) or 1)
            rate = limit / interval if interval > 0 else None
        except (KeyError, ValueError):
            pass
        try:
            concurrency = int(headers["x-concurrency-limit"])
        except (KeyError, ValueError):
            pass
        if rate or concurrency:
            self.pacer.tighten(rate, concurrency)


# --- settings ------------------------------------------------------------------------------------


def client_from_settings(values: dict[str, Any], mailto: str | None, url: str | None, offline: bool,
                         refresh: bool, cache_dir: Path) -> Client:
    """A client from options > environment > the config file's `values` > defaults.

    Besides `mailto` and `crossref_url` the settings are `crossref_rate` and
    `crossref_list_rate` (requests per second), `crossref_concurrency`, `crossref_timeout`
    (seconds) and `crossref_retries`; unset limits are the pool's own.
    """
    from .config import setting

    mailto = check_mailto(setting("mailto", mailto, values))
    pool = POLITE if mailto else PUBLIC
    limits = Limits(
        rate=setting("crossref_rate", None, values) or pool.rate,
        list_rate=setting("crossref_list_rate", None, values) or pool.list_rate,
        concurrency=setting("crossref_concurrency", None, values) or pool.concurrency,
    )
    return Client(
        setting("crossref_url", url, values) or DEFAULT_URL,
        mailto,
        timeout=setting("crossref_timeout", None, values),
        retries=setting("crossref_retries", None, values),
        limits=limits,
        cache=Cache(Path(cache_dir) / "crossref.sqlite"),
        offline=offline,
        refresh=refresh,
    )
