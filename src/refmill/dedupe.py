"""Duplicates: normalise, block, decide, cluster, merge.

Systematic reviewers merge exports of several databases and must not lose one unique study,
so every decision errs towards "distinct": two records are one work only when several
fields agree and no veto (different DOIs, volume or pages, erratum, reply, other part,
abstract vs article) speaks against it; only the same abstract text in the same journal
outweighs different pages. Candidates come from blocking keys, so the cost
grows with the number of records, not its square. The result depends on the records only,
never on their order.
"""
from __future__ import annotations

import bisect
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from rapidfuzz.distance import Indel

from . import match
from .model import Date, Name, Record, doi_key, fold, normalize_pages

# --- the normalised view of a record --------------------------------------------------------

_ERRATUM_RX = re.compile(
    r"\b(?:errat(?:um|a)|corrigend(?:um|a)|correction(?:s)? (?:to|of an article|notice)|author correction"
    r"|publisher'?s? (?:correction|note)|addend(?:um|a))\b|^(?:correction|corrections)\b|[:\-] correction$"
    r"|\(vol\.? \d+,? (?:pg?|pages?)\.? ?\w+"
)
_RETRACTION_RX = re.compile(r"\b(?:retraction|retracted|withdrawn|expression of concern)\b")
_COMMENT_RX = re.compile(
    r"^(?:re|in reply|in response|comment|comments|commentary|letter|correspondence)\b\s*(?:to|on|:|$)"
    r"|\breply\b|\bin response to\b|\b(?:comment|comments|commentary) on\b|: commentary$|\(multiple letters\)"
    r"|\bletter to the editor\b|\[(?:comment|letter)\]|\bresponse to (?:the )?(?:letter|comment|editor|commentary"
    r"|correspondence|dr|drs)\b"
)
# how a correction notice dresses the corrected article's title: "Erratum: …", "… (vol 142, pg 310, 2003)"
_NOTICE_RX = re.compile(
    r"^(?:errat(?:um|a)|corrigendum|correction|retraction|retracted|notice of retraction)\s*(?:to|:)\s*"
    r"|\s*\((?:vol\.? \d+,? (?:pg?|pages?)\.? ?\w+.*|[^()]*\(\s*(?:19|20)\d\d\s*\).*)$"
)
# what databases append to a title: "[Erratum appears in …]", "[see comments]", "[Review]" …
_TITLE_NOTE_RX = re.compile(
    r"\s*\[\s*(?:(?:published )?errat(?:um|a)|comment|retract|see |summary for patients|update in|corrected"
    r"|republished|review|registered|\d+\]).*$"
    r"|\s*\.\.\.\s*including commentary.*$",
    re.IGNORECASE,
)
_PART_RX = re.compile(r"\b(?:part|pt|teil|partie)\s*\.?\s*([ivx]+|\d+|one|two|three|four|a|b|c)\b")
_NUMBERED_RX = re.compile(r"\b(?:phase|stage|type|grade|class|study|trial|series|report)\s+([ivx]+|\d+)\b")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "a": 1, "b": 2, "c": 3}
_ABSTRACT_RX = re.compile(
    r"\b(?:conference|congress|meeting|symposium|abstracts?|annual scientific|workshop|colloquium)\b"
)
_SUPPLEMENT_RX = re.compile(r"\bsuppl|\bsupplement|\bs\d")
_PREPRINT_RX = re.compile(
    r"\b(?:arxiv|biorxiv|medrxiv|chemrxiv|psyarxiv|socarxiv|ssrn|research square|preprints?(?:\.org)?|osf preprints)\b"
)
_PREPRINT_DOI_RX = re.compile(
    r"^10\.(?:48550/|1101/(?:\d{4}\.\d\d\.\d\d\.)?\d{5,}|21203/rs\.|2139/ssrn|20944/preprints|26434/chemrxiv"
    r"|31234/|31219/osf|31235/|35542/)"
)
_LANG_TAG_RX = re.compile(r"\s*\[[a-z ,]+\]\s*$|\s*\(author'?s transl\)\s*$")
_JOURNAL_CUT_RX = re.compile(r"\s*(?:[;:(\[=]|\.\s*(?=conference|[a-z]+:)|\bconference\b).*$")


@dataclass(slots=True, eq=False)
class Profile:
    """What dedupe compares, computed once per record."""

    rec: Record
    rank: int = 0  # position in the canonical (content) order: breaks every tie
    doi: str = ""
    pmid: str = ""
    title: str = ""  # normalised words
    compact: str = ""  # normalised title without spaces
    authors: tuple[tuple[str, str], ...] = ()  # (family, given), folded, first 12
    author_set: frozenset[str] = frozenset()
    year: int | None = None
    volume: frozenset[str] = frozenset()
    first_page: str = ""
    last_page: str = ""
    journal: str = ""
    kinds: frozenset[str] = frozenset()  # erratum, retraction, comment, book-review, abstract, preprint
    numbers: frozenset[int] = frozenset()  # part, phase, ... numbers in the title
    book: str = ""  # "book" or "chapter" for the book/chapter veto
    supplement: bool = False  # in a supplement, where abstracts and short pieces appear
    abstract: str = ""  # the abstract's first letters and digits, to recognise one item indexed twice

    @property
    def key(self) -> str:
        return self.rec.id


def strip_title_notes(text: str) -> str:
    """The title without what databases append: "[Erratum appears in …]", "[Japanese]"."""
    text = _TITLE_NOTE_RX.sub("", (text or "").strip())
    prev = None
    while prev != text:
        prev = text
        cut = _LANG_TAG_RX.sub("", text.rstrip(" ."))
        if re.search(r"\w", cut):  # "[Paroxysmal nocturnal hemoglobinuria]" is the title itself
            text = cut
    return text


def title_words(text: str) -> str:
    """The title compared: `match.norm_title` after database notes are cut, "&" as "and"."""
    text = _NOTICE_RX.sub("", strip_title_notes(html.unescape(text or "").lower())).replace("&", " and ")
    return match.norm_title(text)


def person_key(name: Name) -> tuple[str, str]:
    """(family, given) folded without spaces: "J. A. Doe" and "Doe, JA" give ("doe", "ja")."""
    if name.literal and not name.family:
        return _person_key(*_split_literal(name.literal))
    return _person_key(name.full_family, name.given)


@lru_cache(maxsize=65536)
def _person_key(family: str, given: str) -> tuple[str, str]:
    return fold(family).replace(" ", ""), fold(given).replace(" ", "")


_ORG_RX = re.compile(
    r"\b(?:group|committee|society|investigators|organi[sz]ation|association|collaborat\w*|consortium"
    r"|trialists|network|council|institute|university|department|team|working|panel|foundation)\b",
    re.IGNORECASE,
)


def _split_literal(text: str) -> tuple[str, str]:
    """A name the reader could not split: "J. A. Doe", "Doe JA" or an organisation."""
    if _ORG_RX.search(text):
        return text, ""
    words = text.replace(",", " ").split()
    if len(words) >= 2 and re.fullmatch(r"[A-Z]{1,3}\.?", words[-1]):
        return " ".join(words[:-1]), words[-1]
    if len(words) >= 2:
        return words[-1], " ".join(words[:-1])
    return text, ""


def _numbers(title_lower: str, words: str) -> frozenset[int]:
    """Numbers that tell works of one series apart: "Part II", "phase 3", "Study 2", "2010"."""
    out = {int(w) for w in words.split() if w.isdigit() and len(w) < 10}
    for rx in (_PART_RX, _NUMBERED_RX):
        for m in rx.finditer(title_lower):
            token = m.group(1)
            if token.isdigit():
                out.add(int(token))
            elif token in _ROMAN:
                out.add(_ROMAN[token])
            elif rx is _PART_RX and token in _WORDS:
                out.add(_WORDS[token])
    return frozenset(out)


def _kinds(rec: Record, title_lower: str, journal_lower: str, doi: str) -> frozenset[str]:
    kinds = set()
    if _ERRATUM_RX.search(title_lower):
        kinds.add("erratum")
    if _RETRACTION_RX.search(title_lower):
        kinds.add("retraction")
    if _COMMENT_RX.search(title_lower):
        kinds.add("comment")
    if rec.type == "review-book" or title_lower.startswith(("review of ", "book review")):
        kinds.add("book-review")
    if rec.type == "paper-conference" or _ABSTRACT_RX.search(journal_lower):
        kinds.add("abstract")
    venue = " ".join((journal_lower, rec.get("publisher").lower(), rec.get("genre").lower()))
    if _PREPRINT_RX.search(venue) or _PREPRINT_DOI_RX.match(doi) or rec.custom.get("arxiv") or rec.type == "manuscript":
        kinds.add("preprint")
    return frozenset(kinds)


def journal_key(text: str) -> str:
    """The journal's own name: subtitles, "(Basel)", "[Electronic Resource]", ".Conference…" cut."""
    text = (text or "").lower()
    text = _JOURNAL_CUT_RX.sub("", text)
    return " ".join(fold(text.replace("&", " and ")).split())


def volume_numbers(text: str) -> frozenset[str]:
    """ "77-78" -> {"77", "78"}; "Drug Discovery. 9" -> {"9"}; leading zeros dropped."""
    return frozenset(n.lstrip("0") or "0" for n in re.findall(r"\d+", text or ""))


def page_span(text: str) -> tuple[str, str]:
    """("1485", "1497") from "1485-97"; ("532", "") from "532, 534-536"; "e577" kept."""
    page = normalize_pages(text).lower()
    if re.fullmatch(r"\s*\d+\s*(?:pp?\.?|pages?)\s*", page):
        return "", ""  # "215 p": a thesis's number of pages, not where it starts
    m = re.match(r"\s*(?:pp?\.?\s*)?([a-z]{0,2}\d+[a-z]?|[ivxlc]+)\b(?:\s*-\s*([a-z]{0,2}\d+[a-z]?))?", page)
    if not m:
        return page.strip(), ""
    return m.group(1).lstrip("0"), (m.group(2) or "").lstrip("0")


def profile(rec: Record, rank: int = 0) -> Profile:
    title_lower = strip_title_notes(rec.title.lower())  # "[Erratum appears in …]" is no erratum
    journal = rec.get("container-title") or rec.get("container-title-short")
    doi = doi_key(rec.doi or (rec.get("URL") if "doi.org/" in rec.get("URL") else ""))
    words = title_words(rec.title)
    authors = tuple(k for k in (person_key(n) for n in (rec.author or rec.editor)[:12]) if k[0])
    first, last = page_span(rec.get("page"))
    return Profile(
        rec=rec,
        rank=rank,
        doi=doi,
        pmid=re.sub(r"\D", "", rec.get("PMID")),
        title=words,
        compact=words.replace(" ", ""),
        authors=authors,
        author_set=frozenset(a for a, _ in authors),
        year=rec.year,
        volume=volume_numbers(rec.get("volume")),
        first_page=first,
        last_page=last,
        journal=journal_key(journal),
        kinds=_kinds(rec, title_lower, journal.lower(), doi),
        numbers=_numbers(_NOTICE_RX.sub("", title_lower), words),
        book=rec.type if rec.type in ("book", "chapter") else "",
        supplement=bool(_SUPPLEMENT_RX.search(f"{rec.get('issue')} {rec.get('volume')}".lower())) or first.startswith("s"),
        abstract=abstract_key(rec.get("abstract")),
    )


ABSTRACT_LETTERS = 400  # enough to tell two abstracts apart, short enough to keep in memory


def abstract_key(text: str) -> str:
    """The abstract's first letters and digits, folded; "" when too short to tell works apart
    ("No abstract available")."""
    key = re.sub(r"[^a-z0-9]", "", (text or "").lower())[:ABSTRACT_LETTERS]
    return key if len(key) >= 200 else ""


def same_abstract(a: Profile, b: Profile) -> bool:
    """The same abstract text in the same journal: one item indexed twice, even where the
    databases recorded its pages differently (an e-page, fields shifted into the wrong tags)."""
    if not a.abstract or not b.abstract or not a.journal or a.journal != b.journal:
        return False
    return Indel.normalized_similarity(a.abstract, b.abstract) >= 0.95


# --- field comparisons ----------------------------------------------------------------------


def title_similarity(a: Profile, b: Profile) -> float | None:
    """0..1 on the compact titles; a title cut short (>= 40 letters) counts as 0.96."""
    if not a.compact or not b.compact:
        return None
    if a.compact == b.compact:
        return 1.0
    sim = Indel.normalized_similarity(a.compact, b.compact)
    short, long_ = sorted((a.compact, b.compact), key=len)
    if sim < 0.96 and len(short) >= 40 and long_.startswith(short):
        return 0.96
    return sim


def _names_match(x: tuple[str, str], y: tuple[str, str]) -> bool:
    """Family names match allowing particles ("de la Plata" / "Marquez de la Plata"), names
    split at the wrong place ("Le, Quintrec M." / "Le Quintrec, M."), swapped family and
    given names ("Ching-yi, Wu" / "Wu, C. Y.") and one typo ("Jamal" / "Jammal")."""
    fx, fy = x[0], y[0]
    if fx == fy:
        return True
    short, long_ = sorted((fx, fy), key=len)
    if len(short) >= 3 and (long_.endswith(short) or long_.startswith(short)):
        return True
    gx, gy = x[1], y[1]
    if (len(fy) >= 4 and fy in fx + gx) or (len(fx) >= 4 and fx in fy + gy):
        return True  # "Goicoechea de, Jorge E." holds "de Jorge"
    if (len(fy) >= 2 and gx == fy) or (len(fx) >= 2 and gy == fx):
        return True  # swapped: "Ching-yi, Wu" / "Wu, C. Y."
    if (len(fy) >= 4 and gx.startswith(fy)) or (len(fx) >= 4 and gy.startswith(fx)):
        return True  # "Lopez, Rubio M." / "Rubio, M. L."
    return len(short) >= 5 and Indel.normalized_similarity(fx, fy) >= 0.83


def author_similarity(a: Profile, b: Profile) -> tuple[float, bool] | None:
    """(share of the shorter author list found in the other, first authors match)."""
    if not a.authors or not b.authors:
        return None
    short, long_ = (a.authors, b.authors) if len(a.authors) <= len(b.authors) else (b.authors, a.authors)
    first = _names_match(a.authors[0], b.authors[0])
    common = a.author_set & b.author_set
    found = sum(1 for n in short if n[0] in common)
    if found < len(short):
        rest = [n for n in long_ if n[0] not in common]
        for n in short:
            if n[0] in common:
                continue
            hit = next((i for i, m in enumerate(rest) if _names_match(n, m)), None)
            if hit is not None:
                found += 1
                rest.pop(hit)
    return found / len(short), first


def pages_agree(a: Profile, b: Profile) -> bool | None:
    """First pages equal ("S23" = "23"), or one typo in the first page of the same range
    ("2097-2108" / "2297-2108"); None when a side has no pages."""
    if not a.first_page or not b.first_page:
        return None
    if a.first_page == b.first_page:
        return True
    da, db = re.sub(r"\D", "", a.first_page), re.sub(r"\D", "", b.first_page)
    if da and da == db:
        return True
    return bool(a.last_page) and a.last_page == b.last_page and len(da) == len(db) >= 3 and (
        sum(x != y for x, y in zip(da, db)) == 1
    )


def _span(p: Profile) -> int:
    """Length of a plain numeric page range (0 when unknown)."""
    if p.first_page.isdigit() and p.last_page.isdigit():
        return int(p.last_page) - int(p.first_page) + 1
    return 0


_NOTICES = {"erratum": "an erratum", "retraction": "a retraction", "comment": "a comment or reply",
            "book-review": "a book review"}


def _versions(a: Profile, b: Profile) -> bool:
    """One is a preprint and the other is not: possibly two versions of one work."""
    return ("preprint" in a.kinds) != ("preprint" in b.kinds)


def conflict(a: Profile, b: Profile) -> str | None:
    """A veto: the reason two records cannot be one work, or None."""
    if a.doi and b.doi and a.doi != b.doi and a.doi.split("/", 1)[0] == b.doi.split("/", 1)[0]:
        return "different DOIs"
    if a.pmid and b.pmid and a.pmid != b.pmid:
        return "different PMIDs"
    if a.year and b.year and abs(a.year - b.year) > (3 if _versions(a, b) else 1):
        return "years differ"
    if a.volume and b.volume and not a.volume & b.volume:
        return "different volumes"
    if pages_agree(a, b) is False and not same_abstract(a, b):
        return "different pages"
    if a.numbers != b.numbers and a.numbers and b.numbers:
        return "different numbers in the titles"
    if a.book and b.book and a.book != b.book:
        return "book and chapter"
    for kind, label in _NOTICES.items():
        if (kind in a.kinds) != (kind in b.kinds):
            return f"one is {label}"
    if ("abstract" in a.kinds) != ("abstract" in b.kinds):
        article = b if "abstract" in a.kinds else a
        if _span(article) >= 3 and not article.supplement:
            return "conference abstract and full article"
    return None


# --- the pair decision ----------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A pair's verdict: "duplicate", "related" (preprint and version of record) or "distinct"."""

    verdict: str
    score: float
    reason: str

    @property
    def duplicate(self) -> bool:
        return self.verdict == "duplicate"


def _score(parts: list[tuple[float, float]]) -> float:
    total = sum(w for w, _ in parts)
    return round(sum(w * s for w, s in parts) / total, 3) if total else 0.0


def decide(a: Profile, b: Profile, versions: bool = False) -> Decision:
    """Whether two records are one work; `versions` counts a preprint and its published
    version as duplicates instead of related."""
    veto = conflict(a, b)
    if veto:
        return Decision("distinct", 0.0, veto)
    t = title_similarity(a, b)
    if t is not None and t < 0.6:
        return Decision("distinct", 0.0, "different titles")
    au = author_similarity(a, b)
    same_id = (bool(a.doi) and a.doi == b.doi) or (bool(a.pmid) and a.pmid == b.pmid)
    year = None if not (a.year and b.year) else a.year == b.year
    vol = bool(a.volume and b.volume) or None  # disjoint volumes were vetoed
    pages = pages_agree(a, b)
    journal = None
    if a.journal and b.journal:
        journal = a.journal == b.journal or match.container_agrees(a.journal, b.journal) or (
            a.journal.startswith(b.journal + " ") or b.journal.startswith(a.journal + " ")
        )
    authors_ok = au is not None and au[1] and au[0] >= 0.5
    parts = [(3.0, t)] if t is not None else []
    if au is not None:
        parts.append((2.0, au[0]))
    for ok in (year, vol, pages, journal):
        if ok is not None:
            parts.append((1.0, float(ok)))
    if same_id:
        parts.append((3.0, 1.0))
    score = _score(parts)
    located = bool(vol and pages)  # same volume and first page
    ranged = located and max(_span(a), _span(b)) >= 2

    if _versions(a, b):
        if t is not None and t >= 0.9 and authors_ok:
            return Decision("duplicate" if versions else "related", score, "preprint and published version")
        return Decision("distinct", score, "")
    reason = ""
    if same_id and (t is None or t >= 0.8) and (au is None or au[0] >= 0.5):
        reason = "same DOI" if a.doi and a.doi == b.doi else "same PMID"
    elif t is not None and t >= 0.95 and authors_ok and (year or located or (vol and journal)) and (vol or pages or journal):
        reason = "same title, authors and source"
    elif t is not None and t >= 0.9 and authors_ok and year is not False and located:
        reason = "similar title; same authors, volume and pages"
    elif t is not None and t >= 0.95 and au is None and year and located and journal is not False:
        reason = "same title, year, volume and pages"
    elif authors_ok and au[0] >= 0.8 and year and ranged and journal is not False:
        reason = "same authors, year, volume and pages (title reworded or translated)"
    return Decision("duplicate" if reason else "distinct", score, reason)


# --- blocking -------------------------------------------------------------------------------

MAX_BLOCK = 60  # a key shared by more records than this says too little to compare them all


def blocking_keys(p: Profile) -> list[tuple]:
    """Keys under which a record's possible duplicates are filed."""
    keys: list[tuple] = []
    if p.doi:
        keys.append(("doi", p.doi))
    if p.pmid:
        keys.append(("pmid", p.pmid))
    if p.compact:
        keys.append(("title", p.compact))
        if len(p.compact) >= 24:
            keys.append(("head", p.compact[:24]))
            keys.append(("tail", p.compact[-24:]))
    fam = p.authors[0][0] if p.authors else ""
    if p.first_page:
        if fam:
            keys.append(("author-page", fam, p.first_page))
        if p.volume:
            keys.append(("volume-page", min(p.volume), p.first_page))
    if fam and p.year and p.title:
        keys.append(("author-year-word", fam, p.year, max(p.title.split(), key=len)))
    return keys


WINDOW = 8  # in a block too large to compare whole, each record meets its next neighbours


def _neighbourhood(p: Profile) -> tuple:
    """Sort order inside a large block, so that likely duplicates sit side by side."""
    return (p.year or 0, p.authors[0][0] if p.authors else "", p.first_page, p.compact, p.rank)


def candidate_pairs(profiles: list[Profile]) -> set[tuple[int, int]]:
    """Pairs of ranks sharing a blocking key: all pairs of a small block, neighbours in a
    sorted large one ("Editorial" x 300), so the count grows linearly, never all pairs."""
    blocks: dict[tuple, list[int]] = defaultdict(list)
    for p in profiles:
        for key in blocking_keys(p):
            blocks[key].append(p.rank)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= MAX_BLOCK:
            members.sort()
            pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1:])
            continue
        members.sort(key=lambda r: _neighbourhood(profiles[r]))
        for i, x in enumerate(members):
            for y in members[i + 1:i + 1 + WINDOW]:
                pairs.add((min(x, y), max(x, y)))
    return pairs


# --- clustering -----------------------------------------------------------------------------


@dataclass
class Cluster:
    """Records found to be one work; `keep` is the most complete of them."""

    keys: list[str]
    keep: str
    reason: str
    score: float

    def to_dict(self) -> dict:
        return {"keys": self.keys, "keep": self.keep, "reason": self.reason, "score": self.score}


@dataclass
class Related:
    keys: list[str]
    reason: str
    score: float

    def to_dict(self) -> dict:
        return {"keys": self.keys, "reason": self.reason, "score": self.score}


@dataclass
class Result:
    clusters: list[Cluster] = field(default_factory=list)  # only clusters of two or more
    related: list[Related] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"clusters": [c.to_dict() for c in self.clusters], "related": [r.to_dict() for r in self.related]}


def _canonical(rec: Record) -> str:
    return json.dumps(rec.to_csl(with_custom=False), sort_keys=True, ensure_ascii=False)


def completeness(rec: Record) -> tuple:
    """Higher is more complete: fields, authors with given names, a precise date."""
    given = sum(1 for n in rec.author if len(n.given.replace(".", "").replace(" ", "")) > 2)
    date = sum(x is not None for x in (rec.issued.year, rec.issued.month, rec.issued.day)) if rec.issued else 0
    return (len(rec.fields) + bool(rec.author) + date, len(rec.author), given, len(rec.get("abstract")))


def profiles_of(records: list[Record]) -> list[Profile]:
    """Profiles in canonical order (by key, then content): the order every tie follows."""
    count: dict[str, int] = defaultdict(int)
    for rec in records:
        count[rec.id] += 1
    order = sorted(range(len(records)),
                   key=lambda i: (records[i].id, _canonical(records[i]) if count[records[i].id] > 1 else ""))
    return [profile(records[i], rank) for rank, i in enumerate(order)]


def find_duplicates(
    records: Iterable[Record],
    not_duplicates: Iterable[Iterable[str]] = (),
    versions: bool = False,
) -> Result:
    """Clusters of duplicate records (by key); pairs named in `not_duplicates` never join."""
    profiles = profiles_of(list(records))
    by_key: dict[str, list[int]] = defaultdict(list)
    for p in profiles:
        by_key[p.key].append(p.rank)
    apart: set[tuple[int, int]] = set()
    for group in not_duplicates:
        ranks = sorted({r for k in group for r in by_key.get(k, [])})
        apart.update((x, y) for i, x in enumerate(ranks) for y in ranks[i + 1:])

    edges: list[tuple[float, int, int, str]] = []
    related: list[Related] = []
    for x, y in sorted(candidate_pairs(profiles)):
        if (x, y) in apart:
            continue
        d = decide(profiles[x], profiles[y], versions)
        if d.verdict == "duplicate":
            edges.append((-d.score, x, y, d.reason))
        elif d.verdict == "related":
            related.append(Related(sorted([profiles[x].key, profiles[y].key]), d.reason, d.score))

    # greedy union, strongest evidence first; a join needs every cross pair to be compatible
    parent = list(range(len(profiles)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(profiles))}
    links: dict[int, list[tuple[float, str]]] = {i: [] for i in range(len(profiles))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for neg, x, y, reason in sorted(edges):
        rx, ry = find(x), find(y)
        if rx == ry:
            continue
        if not all(_compatible(profiles[i], profiles[j], apart, versions) for i in members[rx] for j in members[ry]):
            continue
        root, other = min(rx, ry), max(rx, ry)
        parent[other] = root
        members[root] += members.pop(other)
        links[root] += links.pop(other) + [(-neg, reason)]

    clusters = []
    for root, ranks in members.items():
        if len(ranks) < 2:
            continue
        recs = [profiles[r] for r in sorted(ranks)]
        keep = max(recs, key=lambda p: (completeness(p.rec), -p.rank))
        reasons = dict.fromkeys(r for _, r in sorted(links[root], key=lambda link: -link[0]))  # strongest first
        clusters.append(Cluster([p.key for p in recs], keep.key, "; ".join(reasons), min(links[root])[0]))
    clusters.sort(key=lambda c: c.keys)
    related.sort(key=lambda r: r.keys)
    return Result(clusters, related)


def _compatible(a: Profile, b: Profile, apart: set[tuple[int, int]], versions: bool) -> bool:
    """Two records may share a cluster: not ruled out, no veto, and alike on their own
    (titles and authors), so that a chain a~b~c cannot join an unrelated a and c."""
    if (min(a.rank, b.rank), max(a.rank, b.rank)) in apart or conflict(a, b):
        return False
    t = title_similarity(a, b)
    au = author_similarity(a, b)
    if (t is None or t >= 0.8) and (au is None or au[0] >= 0.5):
        return True
    return decide(a, b, versions).duplicate


# --- import's question: does the library already hold this record? ---------------------------


class Index:
    """Records filed under their blocking keys, so `find` asks `decide` about a few only.

    `library.add_records` uses it: import and dedupe take one and the same decision.
    """

    def __init__(self, records: Iterable[Record] = ()):
        self.profiles: list[Profile] = []
        self.blocks: dict[tuple, list[int]] = defaultdict(list)
        for rec in records:
            self.add(rec)

    def add(self, rec: Record) -> None:
        p = profile(rec, len(self.profiles))
        self.profiles.append(p)
        for key in blocking_keys(p):
            self.blocks[key].append(p.rank)

    def find(self, rec: Record) -> Record | None:
        """The held record that `rec` duplicates (the most alike if several), or None."""
        p = profile(rec, -1)
        candidates: set[int] = set()
        for key in blocking_keys(p):
            members = self.blocks.get(key, ())
            if len(members) > MAX_BLOCK:  # a large block: only its records nearest in sort order
                here = _neighbourhood(p)
                ordered = sorted(members, key=lambda r: _neighbourhood(self.profiles[r]))
                at = bisect.bisect_left([_neighbourhood(self.profiles[r]) for r in ordered], here)
                members = ordered[max(0, at - WINDOW):at + WINDOW]
            candidates.update(members)
        best: tuple[float, int] | None = None
        for i in sorted(candidates):
            d = decide(p, self.profiles[i])
            if d.duplicate and (best is None or d.score > best[0]):
                best = (d.score, i)
        return self.profiles[best[1]].rec if best else None


# --- merging --------------------------------------------------------------------------------

IDENTIFIERS = ("DOI", "PMID", "PMCID", "ISBN", "ISSN", "URL")


def _same_value(name: str, x: str, y: str) -> bool:
    """Whether two values of a field say the same thing (a difference worth a note or not)."""
    if name == "title":
        return title_words(x) == title_words(y)
    if name in ("container-title", "container-title-short"):
        jx, jy = journal_key(x), journal_key(y)
        return jx == jy or match.container_agrees(jx, jy) or jx.startswith(jy + " ") or jy.startswith(jx + " ")
    if name == "page":
        return page_span(x)[0] == page_span(y)[0]
    if name == "volume":
        return bool(volume_numbers(x) & volume_numbers(y)) or fold(x) == fold(y)
    if name == "DOI":
        return doi_key(x) == doi_key(y)
    return fold(x) == fold(y)


def _best_authors(recs: list[Record]) -> Record:
    """The record with the fullest author list: complete, longest, most given names spelled out."""
    return max(recs, key=lambda r: (not r.truncated, len(r.author), sum(len(n.given) for n in r.author)))


def merge_cluster(recs: list[Record], keep: Record) -> Record:
    """One record from duplicates: `keep` (the most complete) wins, each field it lacks comes
    from the next most complete, every other identifier and every disagreement goes into
    the note, and `custom["merged"]` names the records merged in."""
    order = [keep] + sorted((r for r in recs if r is not keep), key=lambda r: (completeness(r), r.id), reverse=True)
    out = Record.from_csl(keep.to_csl())
    out.custom = dict(keep.custom)
    notes: list[str] = []
    names = sorted({n for r in order for n in r.fields}, key=lambda n: (n not in IDENTIFIERS, n))
    for name in names:
        if name in ("note", "abstract", "keyword"):
            continue
        values = [(r.id, r.get(name)) for r in order if r.get(name)]
        if not out.get(name):
            out.set(name, values[0][1])
        classes: dict[str, list[str]] = {}  # one value per meaning -> the records saying it
        for k, v in values:
            rep = next((c for c in classes if _same_value(name, c, v)), v)
            classes.setdefault(rep, []).append(k)
        if len(classes) > 1:
            notes.append(f"{name} " + " / ".join(f"{v} ({', '.join(ks)})" for v, ks in classes.items()))
    abstracts = [r.get("abstract") for r in order if r.get("abstract")]
    if abstracts:
        out.set("abstract", max(abstracts, key=len))
    keywords: list[str] = []
    for r in order:
        for k in re.split(r"\s*;\s*", r.get("keyword")):
            if k and k.casefold() not in {x.casefold() for x in keywords}:
                keywords.append(k)
    out.set("keyword", "; ".join(keywords))
    fullest = _best_authors(order)
    if fullest is not keep:
        out.author = [Name(**vars(n)) for n in fullest.author]
        out.custom.pop("truncated", None)
        if fullest.truncated:
            out.custom["truncated"] = True
    if not out.editor:
        out.editor = next(([Name(**vars(n)) for n in r.editor] for r in order if r.editor), [])
    dates = [r.issued for r in order if r.issued and r.issued.year]
    if dates:
        same_year = [d for d in dates if d.year == dates[0].year]
        best = max(same_year, key=lambda d: (d.month is not None, d.day is not None))
        out.issued = Date(best.year, best.month, best.day, best.literal)
        years = sorted({d.year for d in dates})
        if len(years) > 1:
            notes.append("year " + " / ".join(
                f"{y} ({', '.join(r.id for r in order if r.issued and r.issued.year == y)})" for y in years))
    for key, value in (("arxiv", r.custom.get("arxiv")) for r in order):
        if value and not out.custom.get(key):
            out.custom[key] = value
    own = [n for n in (r.get("note") for r in order) if n]
    merged = sorted(r.id for r in order if r is not keep)
    summary = f"refmill dedupe merged {', '.join(merged)} into {keep.id}"
    if notes:
        summary += "; they differ in " + "; ".join(notes)
    out.set("note", " ".join(dict.fromkeys(own + [summary + "."])))
    out.custom["merged"] = merged
    return out


def merge(records: list[Record], result: Result) -> tuple[list[Record], dict[str, str]]:
    """The records with each cluster merged into its kept record, in input order, and the
    keys map (every removed key -> the key that replaces it). Links to removed records
    (`cited-by`) follow."""
    by_key: dict[str, Record] = {}
    for rec in records:
        by_key.setdefault(rec.id, rec)
    replaced: dict[str, Record] = {}
    keys_map: dict[str, str] = {}
    for cluster in result.clusters:
        recs = [by_key[k] for k in cluster.keys]
        keep = by_key[cluster.keep]
        replaced[keep.id] = merge_cluster(recs, keep)
        for k in cluster.keys:
            if k != keep.id:
                keys_map[k] = keep.id
    out = []
    for rec in records:
        if rec.id in keys_map:
            continue
        rec = replaced.get(rec.id, rec)
        cited_by = rec.custom.get("cited-by")
        if isinstance(cited_by, str) and cited_by in keys_map:
            rec = Record.from_csl(rec.to_csl())
            rec.custom["cited-by"] = keys_map[cited_by]
        out.append(rec)
    return out, keys_map


# --- pairs a person ruled out -----------------------------------------------------------------


def read_not_duplicates(text: str) -> list[list[str]]:
    """Groups of keys that are not duplicates of one another.

    Plain text: one group per line, keys separated by spaces or commas, `#` starts a
    comment. JSON: a list of key lists, or a dedupe report (`{"clusters": [{"keys": …}]}`)
    from which the true duplicates were deleted. Raises ValueError on malformed JSON.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("{", "[")):
        data = json.loads(stripped)
        if isinstance(data, dict):
            data = [c.get("keys") if isinstance(c, dict) else c for c in data.get("clusters", [])]
        if not isinstance(data, list) or not all(
            isinstance(g, list) and all(isinstance(k, str) for k in g) for g in data
        ):
            raise ValueError('expected a list of key lists or {"clusters": [{"keys": [...]}]}')
        return [g for g in data if len(g) > 1]
    groups = []
    for line in text.splitlines():
        keys = [k for k in re.split(r"[\s,;]+", line.split("#", 1)[0]) if k]
        if len(keys) > 1:
            groups.append(keys)
    return groups
