"""Enrichment from Crossref: find each record's DOI, check it, fill what is missing.

The decisions live here and are pure: how far a Crossref candidate agrees with a reference
(`evidence`), whether that is enough to take its DOI (`decide`), and how Crossref's fields
go into a record without silently overwriting the user's (`merge`). `enrich` runs them over
many records with a `crossref.Client`. Nothing here prints.

The validation follows Crossref's own search-based matcher (Tkaczyk, "Reference matching:
for real this time"): ask `query.bibliographic`, then check every candidate field by field
against the parsed fields and the reference string, where every number of the reference
that the candidate cannot account for (a volume, a page, a year) counts against it. That
is what rejects the trap where the right-looking paper ranks first while volume, pages or
year disagree. Thresholds are justified in docs/benchmarks.md ("Crossref matching").
"""
from __future__ import annotations

import copy
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator

from rapidfuzz import fuzz

from .crossref import Client, NotCached, Work
from .errors import CrossrefError, Problem
from .match import (
    container_agrees, container_words, family_key, first_family, first_page, norm_title, words_agree,
)
from .model import DASHES, Name, Record, doi_key, fold, normalize_pages

# --- thresholds (see docs/benchmarks.md, "Crossref matching") ----------------------------------
ACCEPT = 0.6  # validation score a candidate needs (traps score 0.42, true matches 0.67-1.0)
MIN_SUPPORT = 3  # fields that must agree, as in Crossref's matcher
TITLE_AGREES = 0.9  # title similarity that counts as agreement and can pin a work down
AUTHOR_AGREES = 0.7
DOI_TITLE_MISMATCH = 0.5  # below this, a record's own DOI is suspected to name another work

# How much each field counts in the validation score. Numbers of the reference that the
# candidate does not account for count 1 each, against it.
WEIGHTS = {"title": 3.0, "author": 1.0, "year": 1.0, "volume": 1.0, "issue": 0.5, "page": 1.0,
           "last-page": 0.5, "container": 1.0}
SUPPORT_FIELDS = ("title", "author", "year", "volume", "page", "container")
# Crossref types that are rarely what a reference cites when a published version exists.
_SECONDARY_KINDS = {"posted-content", "peer-review", "component", "other", "journal-issue"}

_LEAD_RX = re.compile(r"^\s*(?:\[\s*\d+\s*\]|\(\s*\d+\s*\)|\d{1,4}\s*[.)](?=\s|[A-Z]))\s*")
_ID_RX = re.compile(
    r"https?://\S+|\bdoi:?\s*10\.\d{4,9}/\S+|\b10\.\d{4,9}/\S+|\barxiv:\s*\S+"
    r"|\bpmid:?\s*\d+|\bpmcid:?\s*pmc\d+|\bpmc\d+|\bis[bs]n[:\s]*[\dxX-]+",
    re.IGNORECASE,
)
_RANGE_RX = re.compile(rf"\b([A-Za-z]?\d+)\s*[-{DASHES}]+\s*([A-Za-z]?\d+)\b")
_NUM_RX = re.compile(r"\d+")


# --- evidence ----------------------------------------------------------------------------------


@dataclass
class Evidence:
    """How far one candidate agrees with a reference, and what was decided."""

    doi: str
    score: float  # validation score 0..1
    fields: dict[str, float]  # similarity 0..1 per field that could be compared
    unexplained: list[str]  # numbers of the reference the candidate does not account for
    conflicts: list[str]  # volume, first page, year: given by the reference, and different
    pinned: bool  # the title, or volume and first page, identify the work
    relevance: float | None = None
    accepted: bool = False
    reason: str = ""
    notice: str = ""  # the candidate is an erratum, retraction or reply ("correction")
    absent: list[str] = field(default_factory=list)  # candidate numbers the string does not give

    @property
    def agreed(self) -> list[str]:
        return [f for f, s in self.fields.items() if s >= _agrees(f)]

    @property
    def disagreed(self) -> list[str]:
        return [f for f, s in self.fields.items() if s < _agrees(f) and f not in self.absent]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"doi": self.doi, "score": round(self.score, 3),
                               "agreed": self.agreed, "disagreed": self.disagreed}
        if self.absent:
            out["absent"] = self.absent
        if self.unexplained:
            out["unexplained"] = self.unexplained
        if self.relevance is not None:
            out["relevance"] = round(self.relevance, 2)
        return out


def _agrees(name: str) -> float:
    return {"title": TITLE_AGREES, "author": AUTHOR_AGREES}.get(name, 0.5)


def clean_reference(text: str) -> str:
    """The reference string with its numbering, identifiers and URLs cut and page ranges
    written out ("1146-62" -> "1146-1162"), so that every number left is bibliographic."""
    text = " ".join(str(text or "").split())
    text = _LEAD_RX.sub("", text)
    text = _ID_RX.sub(" ", text)
    return _RANGE_RX.sub(lambda m: normalize_pages(f"{m.group(1)}-{m.group(2)}"), text)


def _digits(value: str) -> list[str]:
    return [n.lstrip("0") or "0" for n in _NUM_RX.findall(value or "")]


def _take(numbers: list[str], value: str) -> bool:
    """Remove `value` (a number) from the reference's numbers if it is there."""
    if value in numbers:
        numbers.remove(value)
        return True
    return False


def _take_all(numbers: list[str], values: list[str]) -> float:
    """Share of `values` found (and removed) in the reference's numbers."""
    if not values:
        return 0.0
    return sum(_take(numbers, v) for v in values) / len(values)


def _title_in_text(titles: tuple[str, ...], text: str) -> tuple[float, bool]:
    """Best alignment of a candidate title inside the folded reference string; titles of
    fewer than three words must appear whole and cannot pin a work down on their own."""
    best, long_enough = 0.0, False
    for title in titles:
        t = norm_title(title)
        words = len(t.split())
        if not t:
            continue
        if words < 3:
            sim = 1.0 if re.search(rf"\b{re.escape(t)}\b", text) else 0.0
        else:
            sim = fuzz.partial_ratio(t, text) / 100.0
        if sim > best or (sim == best and words >= 3):
            best, long_enough = sim, words >= 3
    return best, long_enough


def _title_sim(ours: str, titles: Iterable[str]) -> float:
    t = norm_title(ours)
    return max((fuzz.ratio(t, norm_title(x)) / 100.0 for x in titles if x), default=0.0) if t else 0.0


def _name_in_text(name: Name, text: str) -> float:
    """The candidate's first author among the first words of the reference string."""
    fam = fold(name.full_family)
    if not fam:
        return 0.0
    head = text if name.literal else text[: max(60, 3 * len(fam))]
    if re.search(rf"\b{re.escape(fam)}\b", head):
        return 1.0
    if fam.replace(" ", "") in head.replace(" ", ""):
        return 0.9
    if len(fam) >= 5 and fuzz.partial_ratio(fam, head) >= 85:
        return 0.8
    return 0.0


def _container_in_text(variants: tuple[str, ...], text: str) -> bool:
    """A container title, full or abbreviated ("The Lancet" as "Lancet", "IJDAR", "Int J Doc
    Anal Recognit"), in the (folded) reference string. An abbreviation needs a window of two
    words or more with five letters or more, so that initials ("J. M.") never pass for
    "Journal of Medicine"."""
    words = container_words(text)
    for variant in variants:
        full = fold(variant)
        target = container_words(variant)
        if not target:
            continue
        for phrase in {full, " ".join(target)}:
            if len(phrase) >= 3 and re.search(rf"\b{re.escape(phrase)}\b", text):
                return True
        initial = target[0][0]
        for i, word in enumerate(words):
            if word[0] != initial:  # abbreviations keep the first letter of the first word
                continue
            for n in range(2, min(len(target) + 2, 12) + 1):
                window = words[i: i + n]
                if len(window) == n and len("".join(window)) >= 5 and words_agree(window, target):
                    return True
    return False


_VOLUME_ISSUE_RX = re.compile(r"(?<![\w(])(\d{1,4})\s?\((\d{1,5})\)(?!\w)")
_VOLUME_RX = re.compile(r"\bvol(?:ume)?\.?\s*(\d{1,4})\b", re.IGNORECASE)
_ISSUE_RX = re.compile(r"\b(?:no|nr|issue)\.?\s*(\d{1,5})\b", re.IGNORECASE)


def _stated(raw: str) -> dict[str, str]:
    """Volume and issue where the reference string labels them: "vol. 18, no. 4", "395(10230)"
    (the last such pair: titles come first). Unlabelled numbers stay anonymous."""
    out: dict[str, str] = {}
    pairs = _VOLUME_ISSUE_RX.findall(raw)
    if pairs:
        out["volume"], out["issue"] = pairs[-1]
    for name, rx in (("volume", _VOLUME_RX), ("issue", _ISSUE_RX)):
        found = rx.findall(raw)
        if found:
            out[name] = found[-1]
    return out


def _known(rec: Record, name: str, raw: str) -> bool:
    """A parsed field counts as structured evidence unless the parser doubted it and the
    reference string is there to be read instead."""
    low = rec.custom.get("low-confidence") or ()
    return not (name in low and raw)


class _Comparison:
    """The state of one reference-versus-candidate comparison, filled field by field."""

    def __init__(self, rec: Record, work: Work):
        self.rec, self.work, self.c = rec, work, work.record
        raw = rec.custom.get("raw")
        self.raw = clean_reference(raw) if isinstance(raw, str) else ""
        self.text = norm_title(self.raw)  # folded like titles, Greek spelled out
        self.numbers = _digits(self.raw)  # bibliographic numbers not yet explained
        self.stated = _stated(self.raw)
        self.low = set(rec.custom.get("low-confidence") or ())
        self.weights = dict(WEIGHTS)
        self.sims: dict[str, float] = {}
        self.conflicts: list[str] = []
        self.structured: set[str] = set()

    def ours(self, name: str) -> str:
        """A parsed field, unless the parser doubted it and the string can be read instead."""
        value = self.rec.get(name)
        return value if value and _known(self.rec, name, self.raw) else ""

    def flat(self, name: str, sim: float, csl: str) -> None:
        """A structured comparison; a flat disagreement of a trusted field is a conflict."""
        self.sims[name] = sim
        self.structured.add(name)
        if csl in self.low:
            self.weights[name] *= 0.5
        elif sim == 0.0 and name in ("volume", "page", "year"):
            self.conflicts.append(name)

    def numbers_first(self) -> None:
        """Volume, issue, pages and year consume the numbers of the string they explain."""
        c = self.c
        volume, issue = _digits(c.get("volume")), _digits(c.get("issue"))
        pages = normalize_pages(c.get("page"))
        first = _digits(first_page(pages))[:1]
        last = _digits(pages.split("-", 1)[1])[:1] if "-" in pages else []
        found = {name: _take_all(self.numbers, vals) for name, vals in
                 (("volume", volume), ("issue", issue), ("page", first), ("last-page", last)) if vals}
        for name, values in (("volume", volume), ("issue", issue)):
            if values:
                ours = self.ours(name) or self.stated.get(name, "")
                if ours:
                    same = _digits(ours) == values or fold(ours) == fold(c.get(name))
                    self.flat(name, 1.0 if same else 0.0, name)
                elif self.raw:
                    self.sims[name] = found[name]
        if first:
            ours = self.ours("page")
            if ours:
                mine = first_page(normalize_pages(ours))
                self.flat("page", 1.0 if mine == first_page(pages) or _digits(mine)[:1] == first else 0.0, "page")
            elif self.raw:
                self.sims["page"] = found["page"]
                if last:
                    self.sims["last-page"] = found["last-page"]
        years = sorted(self.work.years)
        if years:
            if self.rec.year and _known(self.rec, "issued", self.raw):
                gap = min(abs(self.rec.year - y) for y in years)
                self.flat("year", 1.0 if gap == 0 else 0.5 if gap == 1 else 0.0, "issued")
                for y in years + [self.rec.year]:
                    _take(self.numbers, str(y))
            elif self.raw:
                if any(_take(self.numbers, str(y)) for y in years):
                    self.sims["year"] = 1.0
                elif any(_take(self.numbers, str(y + d)) for y in years for d in (-1, 1)):
                    self.sims["year"] = 0.5
                else:
                    self.sims["year"] = 0.0
        # numbers inside the title or container title are not bibliographic numbers
        for words in self.work.titles[:1] + self.work.containers:
            for n in _digits(words):
                _take(self.numbers, n)

    def words(self) -> bool:
        """Title, first author and container; True when the title pins the work down."""
        work, c, pins = self.work, self.c, False
        if work.titles:
            if self.ours("title"):
                self.flat("title", _title_sim(self.rec.title, work.titles), "title")
                pins = self.sims["title"] >= TITLE_AGREES
            elif self.text:
                self.sims["title"], long_enough = _title_in_text(work.titles, self.text)
                pins = long_enough and self.sims["title"] >= TITLE_AGREES
        people = c.author or c.editor
        if people:
            if (self.rec.author or self.rec.editor) and _known(self.rec, "author", self.raw):
                ours, families = first_family(self.rec), {family_key(n) for n in people}
                self.flat("author", 1.0 if ours == first_family(c) else 0.5 if ours in families else 0.0, "author")
            elif self.text:
                self.sims["author"] = _name_in_text(people[0], self.text)
        if work.containers:
            mine = [x for x in (self.rec.get("container-title"), self.rec.get("container-title-short")) if x]
            if mine and _known(self.rec, "container-title", self.raw):
                agree = any(container_agrees(m, v) for m in mine for v in work.containers)
                self.flat("container", 1.0 if agree else 0.0, "container-title")
            elif self.text:
                self.sims["container"] = 1.0 if _container_in_text(work.containers, self.text) else 0.0
        return pins

    def notice(self) -> str:
        marker = _NOTICE_RX.match(self.work.titles[0]) if self.work.titles else None
        if not marker:
            return ""
        word = fold(marker.group(1) or marker.group(2)).split()[0]
        return "" if re.search(rf"\b{word}", self.text or norm_title(self.rec.title)) else word


def evidence(rec: Record, work: Work) -> Evidence:
    """Field-by-field agreement of a reference (parsed fields and/or its raw string) with
    one Crossref candidate."""
    cmp = _Comparison(rec, work)
    cmp.numbers_first()
    title_pins = cmp.words()
    sims, numbers = cmp.sims, cmp.numbers
    # in the string, a volume, first page or year of the candidate that is absent while the
    # reference has numbers nobody explains counts as a disagreement too
    if numbers:
        for name in ("volume", "page", "year"):
            if name in sims and name not in cmp.structured and sims[name] == 0.0:
                cmp.conflicts.append(name)
    total = sum(cmp.weights[f] for f in sims) + len(numbers)
    score = sum(cmp.weights[f] * s for f, s in sims.items()) / total if total else 0.0
    # journal (or book), volume if the work has one, and first page identify it without a title
    locator = all(sims.get(f, 0) >= 1.0 for f in ("container", "page")) and sims.get("volume", 1.0) >= 1.0
    ev = Evidence(work.doi, score, sims, list(numbers), cmp.conflicts, title_pins or locator, work.score)
    ev.notice = cmp.notice()
    ev.absent = [f for f in ("volume", "issue", "page", "last-page", "year")
                 if sims.get(f) == 0.0 and f not in cmp.structured and f not in cmp.conflicts]
    return ev


# Crossref records of errata, retractions and replies carry the title of the work they are
# about ("Correction: …", "Retracted article: …", "Reply to …"); a reference that does not
# say so cites the work itself. "Correction of hypernatremia" or "Response of soil
# microbes" are titles, not notices.
_NOTICE_RX = re.compile(
    r"^\W*(?:(correction|erratum|corrigendum|retraction|addendum|expression of concern|notice of retraction"
    r"|withdrawal|retracted(?: article)?)\s*(?:[:.\[(\u2013\u2014-]|to\b|for\b|notice\b|$)"
    r"|(reply|response|comment)s?\s+(?:to|on)\b)",
    re.IGNORECASE,
)


def decide(ev: Evidence) -> Evidence:
    """Accept a candidate only when it is not a notice about the work, at most one of volume,
    first page and year disagrees (one is a citation error, two are another work), the title
    or journal, volume and first page pin it down, three fields agree and the score reaches
    ACCEPT."""
    support = sum(1 for f in SUPPORT_FIELDS if f in ev.fields and ev.fields[f] >= _agrees(f))
    if ev.notice:
        ev.reason = f"it is a notice about the work ({ev.notice}), not the work"
    elif len(ev.conflicts) >= 2:
        ev.reason = ", ".join(ev.conflicts) + " disagree"
    elif not ev.pinned:
        ev.reason = "neither the title nor journal, volume and first page identify it"
    elif support < MIN_SUPPORT:
        ev.reason = f"only {support} of {', '.join(SUPPORT_FIELDS)} agree"
    elif ev.score < ACCEPT:
        ev.reason = f"score {ev.score:.2f} below {ACCEPT}"
    else:
        ev.accepted, ev.reason = True, "accepted"
    return ev


def best_match(rec: Record, works: list[Work]) -> tuple[Work | None, Evidence | None]:
    """The accepted candidate that agrees best (a published version before a preprint), or
    None with the best rejected candidate's evidence."""
    judged = [(w, decide(evidence(rec, w))) for w in works]
    accepted = [(w, e) for w, e in judged if e.accepted]
    if accepted:
        return max(accepted, key=lambda we: (round(we[1].score, 3), we[0].kind not in _SECONDARY_KINDS,
                                             we[0].score or 0.0))
    if judged:
        return None, max((e for _, e in judged), key=lambda e: (e.score, e.relevance or 0.0))
    return None, None


def reference_text(rec: Record) -> str:
    """What `query.bibliographic` is asked: the raw reference, or the fields in citation order."""
    raw = rec.custom.get("raw")
    if isinstance(raw, str) and raw.strip():
        return " ".join(raw.split())
    people = [n.full_family for n in (rec.author or rec.editor)[:4] if n.full_family]
    parts = [", ".join(people), rec.title, rec.get("container-title") or rec.get("container-title-short")]
    where = " ".join(x for x in (
        str(rec.year or ""),
        rec.get("volume") + (f"({rec.get('issue')})" if rec.get("issue") else ""),
        rec.get("page"),
    ) if x)
    parts.append(where)
    return ". ".join(p for p in parts if p)


# --- merging -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """A field both sides have, with different values."""

    field: str
    ours: str
    theirs: str


QUIET_FIELDS = {"abstract"}  # both may differ in wording; ours is kept without a report


def _same(name: str, ours: str, theirs: str, work: Work) -> bool:
    if name == "title":
        return _title_sim(ours, work.titles) >= 0.97
    if name == "DOI":
        return doi_key(ours) == doi_key(theirs)
    if name == "page":
        return normalize_pages(ours).lower() == normalize_pages(theirs).lower() or (
            "-" not in ours and first_page(ours) == first_page(theirs))
    if name in ("container-title", "container-title-short", "collection-title"):
        return container_agrees(ours, theirs)
    if name in ("ISSN", "ISBN"):
        return re.sub(r"[^\dX]", "", ours.upper()) == re.sub(r"[^\dX]", "", theirs.upper())
    return fold(ours) == fold(theirs)


def _names(people: list[Name]) -> str:
    return "; ".join(p.display() for p in people)


def merge(rec: Record, work: Work, prefer_crossref: bool = False) -> tuple[list[str], list[Conflict]]:
    """Fill `rec`'s missing fields from Crossref. A field both have and that differs is a
    conflict: ours is kept unless `prefer_crossref`. Returns (filled fields, conflicts)."""
    c = work.record
    filled: list[str] = []
    conflicts: list[Conflict] = []

    def differ(name: str, ours: str, theirs: str, apply: Callable[[], None]) -> None:
        if name not in QUIET_FIELDS:
            conflicts.append(Conflict(name, ours, theirs))
        if prefer_crossref:
            apply()

    for name, theirs in c.fields.items():
        ours = rec.get(name)
        if not ours:
            if name == "container-title-short" and len(theirs) >= len(rec.get("container-title") or theirs + "."):
                continue  # "The Lancet" is no short form of our "Lancet"
            rec.set(name, theirs)
            filled.append(name)
        elif ours != theirs:
            if _same(name, ours, theirs, work):
                if prefer_crossref:
                    rec.set(name, theirs)
            else:
                differ(name, ours, theirs, lambda n=name, t=theirs: rec.set(n, t))
    for role in ("author", "editor"):
        ours, theirs = getattr(rec, role), getattr(c, role)
        if not theirs:
            continue
        fo, ft = [family_key(n) for n in ours], [family_key(n) for n in theirs]
        if not ours:
            setattr(rec, role, copy.deepcopy(theirs))
            filled.append(role)
        elif role == "author" and rec.truncated and len(ft) > len(fo) and ft[: len(fo)] == fo:
            rec.author = copy.deepcopy(theirs)  # "et al." written out
            rec.custom.pop("truncated", None)
            filled.append(role)
        elif fo == ft:
            if prefer_crossref:
                setattr(rec, role, copy.deepcopy(theirs))
        else:
            differ(role, _names(ours), _names(theirs), lambda r=role, t=theirs: setattr(rec, r, copy.deepcopy(t)))
    if c.issued and c.issued.year:
        mine = rec.issued
        if not mine or not mine.year:
            rec.issued = copy.deepcopy(c.issued)
            filled.append("issued")
        elif mine.year in work.years or mine.year == c.issued.year:
            if prefer_crossref or (mine.year == c.issued.year and not mine.month and c.issued.month):
                if mine.to_csl() != c.issued.to_csl():
                    rec.issued = copy.deepcopy(c.issued)
                    if not prefer_crossref:
                        filled.append("issued")
        else:
            differ("issued", str(mine.year), str(c.issued.year), lambda: setattr(rec, "issued", copy.deepcopy(c.issued)))
    if c.type != rec.type:
        # a parser's type is a guess ("raw" records came from pasted text); a user's is not
        if prefer_crossref or rec.type == "article" or "raw" in rec.custom:
            rec.type = c.type
            filled.append("type")
        else:
            differ("type", rec.type, c.type, lambda: None)
    return filled, conflicts


def doi_mismatch(rec: Record, work: Work) -> str:
    """Why the work at a record's own DOI looks like another work ("" when it does not)."""
    if not rec.title or not work.titles:
        return ""
    sim = max(_title_sim(rec.title, work.titles),
              max(fuzz.partial_ratio(norm_title(rec.title), norm_title(t)) / 100.0 for t in work.titles)
              if len(norm_title(rec.title)) >= 20 else 0.0)
    if sim >= DOI_TITLE_MISMATCH:
        return ""
    ours = first_family(rec)
    if ours and ours in {family_key(n) for n in work.record.author or work.record.editor}:
        return ""
    return f"Crossref's record for {work.doi} is another work ({work.titles[0][:80]!r})"


# --- running -------------------------------------------------------------------------------------

MATCHED, HAD_DOI, UNMATCHED, NOT_CACHED, ERROR = "matched", "had-doi", "unmatched", "not-cached", "error"


@dataclass
class Outcome:
    """What enrichment did to one record."""

    record: Record  # the record after enrichment (a copy; the input is left as it was)
    status: str  # matched | had-doi | unmatched | not-cached | error
    filled: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    evidence: Evidence | None = None  # the accepted candidate, or the best rejected one
    message: str = ""  # why unmatched, the error, or a warning (DOI unknown or suspicious)
    changed: bool = False


def _record_evidence(rec: Record, method: str, ev: Evidence | None, filled: list[str],
                     conflicts: list[Conflict]) -> None:
    """Keep why the record looks as it does in `custom["crossref"]` (shown by --explain)."""
    old = rec.custom.get("crossref")
    data: dict[str, Any] = dict(old) if isinstance(old, dict) and method == "doi" else {}
    data.setdefault("method", method)
    if ev is not None:
        data.update(ev.to_dict())
    if filled:
        data["filled"] = sorted(set(data.get("filled", [])) | set(filled)) if method == "doi" else filled
    data.pop("conflicts", None)
    if conflicts:
        data["conflicts"] = [c.field for c in conflicts]
    rec.custom["crossref"] = data


def enrich_one(rec: Record, client: Client, prefer_crossref: bool = False) -> Outcome:
    """Look one record up (by DOI, else by its reference string) and merge what is found."""
    new = copy.deepcopy(rec)
    try:
        if rec.doi:
            work = client.lookup_doi(rec.doi)
            if work is None:
                return Outcome(new, HAD_DOI, message=f"DOI {rec.doi} is not known to Crossref (it may be registered elsewhere, e.g. DataCite)")
            suspicious = doi_mismatch(rec, work)
            if suspicious:
                return Outcome(new, HAD_DOI, conflicts=[Conflict("DOI", rec.title, work.titles[0])],
                               message=suspicious + "; check the DOI (nothing was filled)")
            filled, conflicts = merge(new, work, prefer_crossref)
            _record_evidence(new, "doi", None, filled, conflicts)
            return Outcome(new, HAD_DOI, filled, conflicts, changed=new.to_csl() != rec.to_csl())
        text = reference_text(rec)
        if len(re.findall(r"[^\W\d_]", text)) < 5:
            return Outcome(new, UNMATCHED, message="too little to search with")
        work, ev = best_match(rec, client.search_bibliographic(text))
        if work is None:
            why = "no candidates" if ev is None else f"best candidate {ev.doi} rejected: {ev.reason}"
            return Outcome(new, UNMATCHED, evidence=ev, message=why)
        client.remember(work)
        new.set("DOI", work.doi)
        filled, conflicts = merge(new, work, prefer_crossref)
        _record_evidence(new, "bibliographic", ev, ["DOI"] + filled, conflicts)
        return Outcome(new, MATCHED, ["DOI"] + filled, conflicts, ev, changed=True)
    except NotCached as exc:
        return Outcome(new, NOT_CACHED, message=str(exc))
    except CrossrefError as exc:
        return Outcome(new, ERROR, message=str(exc))


def enrich(records: list[Record], client: Client, prefer_crossref: bool = False) -> Iterator[Outcome]:
    """Outcomes in input order, looked up in parallel within the client's limits. Stopping
    early (or Ctrl-C) cancels what has not started."""
    pool = ThreadPoolExecutor(max_workers=max(1, client.pacer.limits.concurrency))
    try:
        futures = [pool.submit(enrich_one, rec, client, prefer_crossref) for rec in records]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Summary:
    """Counts for the closing line."""

    counts: Counter = field(default_factory=Counter)
    conflicts: int = 0

    @classmethod
    def of(cls, outcomes: Iterable[Outcome]) -> "Summary":
        s = cls()
        for o in outcomes:
            s.counts[o.status] += 1
            s.conflicts += bool(o.conflicts)
        return s

    @property
    def failed(self) -> int:
        return self.counts[ERROR] + self.counts[NOT_CACHED]

    @property
    def looked_up(self) -> int:
        return self.counts[MATCHED] + self.counts[HAD_DOI] + self.counts[UNMATCHED]

    def line(self) -> str:
        parts = [f"{self.counts[MATCHED]} matched", f"{self.counts[HAD_DOI]} already had a DOI",
                 f"{self.counts[UNMATCHED]} unmatched", f"{self.conflicts} with conflicts",
                 f"{self.counts[ERROR]} errors"]
        if self.counts[NOT_CACHED]:
            parts.append(f"{self.counts[NOT_CACHED]} not in the cache")
        return ", ".join(parts)


def records_for_dois(dois: list[str], client: Client) -> tuple[list[Record], list[Problem]]:
    """New records from Crossref's metadata for `dois` (refmill add), in order, looked up in
    parallel within the client's limits; failures as problems."""

    def one(doi: str) -> Record | Problem:
        try:
            work = client.lookup_doi(doi)
        except CrossrefError as exc:
            return Problem(doi, None, str(exc))
        if work is None:
            return Problem(doi, None, "not known to Crossref (it may be registered elsewhere, e.g. DataCite)")
        rec = copy.deepcopy(work.record)
        rec.custom["crossref"] = {"method": "doi"}
        return rec

    with ThreadPoolExecutor(max_workers=max(1, client.pacer.limits.concurrency)) as pool:
        results = list(pool.map(one, dois))
    return [r for r in results if isinstance(r, Record)], [p for p in results if isinstance(p, Problem)]
