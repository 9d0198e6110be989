"""The record: one bibliographic reference in CSL-JSON vocabulary, plus pure normalisers.

Every reader produces `Record`s and every writer consumes them, so this module has no I/O
and no third-party imports. Normalisers are pure and idempotent.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable
from urllib.parse import unquote

# CSL text ("standard") variables a record may hold in `Record.fields`, in output order.
# Names (`author`, `editor`) and dates (`issued`, `accessed`) are attributes of their own.
TEXT_FIELDS = (
    "title",
    "title-short",
    "container-title",
    "container-title-short",
    "collection-title",
    "collection-number",
    "volume",
    "issue",
    "supplement",
    "page",
    "number",
    "number-of-pages",
    "dimensions",
    "chapter-number",
    "edition",
    "genre",
    "medium",
    "status",
    "event-title",
    "event-place",
    "publisher",
    "publisher-place",
    "archive",
    "language",
    "DOI",
    "PMID",
    "PMCID",
    "ISBN",
    "ISSN",
    "URL",
    "abstract",
    "keyword",
    "note",
    "year-suffix",
    "version",
    "section",
    "source",
)
NAME_FIELDS = ("author", "editor")
DATE_FIELDS = ("issued", "accessed")

# CSL item types (the schema's enum); anything else is read as "article".
CSL_TYPES = frozenset(
    """article article-journal article-magazine article-newspaper bill book broadcast chapter
    classic collection dataset document entry entry-dictionary entry-encyclopedia event figure
    graphic hearing interview legal_case legislation manuscript map motion_picture
    musical_score pamphlet paper-conference patent performance periodical
    personal_communication post post-weblog regulation report review review-book software
    song speech standard thesis treaty webpage""".split()
)

# Aliases that CSL-JSON producers (Zotero, citeproc-js) emit for standard variables.
CSL_ALIASES = {"journalAbbreviation": "container-title-short", "shortTitle": "title-short"}


@dataclass
class Name:
    """A person (family/given, with CSL's particles) or an organisation (`literal`)."""

    family: str = ""
    given: str = ""
    non_dropping_particle: str = ""  # "van der" in "van der Berg", kept when sorting
    dropping_particle: str = ""
    suffix: str = ""  # "Jr."
    literal: str = ""  # organisations: "WHO Collaborative Group"

    _CSL_KEYS = (
        ("family", "family"),
        ("given", "given"),
        ("non_dropping_particle", "non-dropping-particle"),
        ("dropping_particle", "dropping-particle"),
        ("suffix", "suffix"),
        ("literal", "literal"),
    )

    def to_csl(self) -> dict[str, str]:
        return {key: getattr(self, attr) for attr, key in self._CSL_KEYS if getattr(self, attr)}

    @classmethod
    def from_csl(cls, data: dict[str, Any]) -> "Name":
        return cls(**{attr: str(data.get(key) or "").strip() for attr, key in cls._CSL_KEYS})

    @property
    def full_family(self) -> str:
        """Family name with its non-dropping particle: "van der Berg"."""
        if self.literal:
            return self.literal
        return " ".join(p for p in (self.non_dropping_particle, self.family) if p)

    def display(self) -> str:
        """"Family, Given" (or the literal name), for tables and messages."""
        if self.literal:
            return self.literal
        family = self.full_family
        given = " ".join(p for p in (self.given, self.dropping_particle) if p)
        out = f"{family}, {given}" if given else family
        return f"{out}, {self.suffix}" if self.suffix else out


@dataclass
class Date:
    """A CSL date: year, month, day as known, or a literal such as "in press"."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    literal: str = ""

    def to_csl(self) -> dict[str, Any]:
        if self.year is None:
            return {"literal": self.literal} if self.literal else {}
        parts = [self.year]
        if self.month:
            parts.append(self.month)
            if self.day:
                parts.append(self.day)
        out: dict[str, Any] = {"date-parts": [parts]}
        if self.literal:
            out["literal"] = self.literal
        return out

    @classmethod
    def from_csl(cls, data: Any) -> "Date | None":
        """Read the structured form, or a raw/literal/EDTF string such as "2017-03"."""
        if isinstance(data, (str, int)):
            data = {"raw": str(data)}
        if not isinstance(data, dict):
            return None
        parts = data.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            nums = []
            for p in parts[0][:3]:
                try:
                    nums.append(int(str(p).strip()))
                except ValueError:
                    break
            if nums:
                nums += [None] * (3 - len(nums))
                return cls(nums[0], nums[1], nums[2], str(data.get("literal") or ""))
        text = str(data.get("raw") or data.get("literal") or "").strip()
        if not text:
            return None
        m = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
        if m:
            return cls(*(int(g) if g else None for g in m.groups()))
        year = find_year(text)
        if year and data.get("raw"):
            return cls(year)
        return cls(literal=text)


@dataclass
class Record:
    """One reference. `fields` holds CSL text variables by their CSL names.

    `custom` holds what refmill adds and CSL has no variable for: the raw text, source file
    and line, confidence, `truncated` ("et al."), arXiv id, the article that cited it.
    """

    id: str = ""
    type: str = "article-journal"
    fields: dict[str, str] = field(default_factory=dict)
    author: list[Name] = field(default_factory=list)
    editor: list[Name] = field(default_factory=list)
    issued: Date | None = None
    accessed: Date | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)

    def set(self, name: str, value: str | None) -> None:
        """Set a text field; empty values remove it."""
        value = (value or "").strip() if isinstance(value, str) else value
        if value:
            self.fields[name] = str(value)
        else:
            self.fields.pop(name, None)

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def doi(self) -> str:
        return self.fields.get("DOI", "")

    @property
    def year(self) -> int | None:
        return self.issued.year if self.issued else None

    @property
    def truncated(self) -> bool:
        """True when the author list ended in "et al." (BibTeX `and others`)."""
        return bool(self.custom.get("truncated"))

    def is_empty(self) -> bool:
        return not (self.fields or self.author or self.editor or self.issued)

    def to_csl(self, with_custom: bool = True) -> dict[str, Any]:
        """CSL-JSON object that validates against the CSL data schema."""
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.id:
            out["citation-key"] = self.id
        for name in NAME_FIELDS:
            people = getattr(self, name)
            if people:
                out[name] = [p.to_csl() for p in people]
        for name in DATE_FIELDS:
            date = getattr(self, name)
            if date and date.to_csl():
                out[name] = date.to_csl()
        for name in TEXT_FIELDS:
            if self.fields.get(name):
                out[name] = self.fields[name]
        for name in sorted(set(self.fields) - set(TEXT_FIELDS)):
            out[name] = self.fields[name]
        if with_custom and self.custom:
            out["custom"] = dict(self.custom)
        return out

    @classmethod
    def from_csl(cls, data: dict[str, Any]) -> "Record":
        """Build a record from a CSL-JSON object; unknown keys are ignored."""
        rec = cls(id=str(data.get("citation-key") or data.get("id") or "").strip())
        kind = str(data.get("type") or "").strip()
        rec.type = kind if kind in CSL_TYPES else "article"
        for name in NAME_FIELDS:
            people = data.get(name)
            if isinstance(people, list):
                setattr(rec, name, [Name.from_csl(p) for p in people if isinstance(p, dict)])
        for name in DATE_FIELDS:
            if data.get(name) is not None:
                setattr(rec, name, Date.from_csl(data[name]))
        for key, value in data.items():
            key = CSL_ALIASES.get(key, key)
            if key in TEXT_FIELDS and isinstance(value, (str, int, float)) and str(value).strip():
                rec.fields.setdefault(key, str(value).strip())
            elif key in TEXT_FIELDS and isinstance(value, list) and value:
                # CSL allows arrays for some variables (e.g. container-title from Crossref)
                first = value[0]
                if isinstance(first, (str, int, float)) and str(first).strip():
                    rec.fields.setdefault(key, str(first).strip())
        if isinstance(data.get("custom"), dict):
            rec.custom = dict(data["custom"])
        return rec


# --- normalisers -------------------------------------------------------------------------

DOI_RX = re.compile(r"10\.\d{4,9}/\S+", re.IGNORECASE)
_DOI_PREFIX_RX = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/)", re.IGNORECASE
)
YEAR_RX = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH_RX = re.compile(f"[{DASHES}]")


def normalize_doi(text: str | None) -> str:
    """The bare DOI in `text` ("doi:", resolver URLs and trailing punctuation cut), or ""."""
    if not text:
        return ""
    text = _DOI_PREFIX_RX.sub("", text.strip())
    m = DOI_RX.search(text)
    if not m:
        return ""
    doi = m.group(0)
    # trailing punctuation belongs to the sentence, unless brackets balance inside the DOI
    while doi and doi[-1] in ".,;:'\"]>)}":
        closer = doi[-1]
        opener = {")": "(", "]": "[", ">": "<", "}": "{"}.get(closer)
        if opener and doi.count(opener) >= doi.count(closer):
            break
        doi = doi[:-1]
    return doi


def doi_key(doi: str) -> str:
    """DOIs compare case-insensitively, and URL-encoded ("10.1111%2Fj.1") as decoded."""
    if "%" in (doi or ""):
        doi = unquote(doi)
    return normalize_doi(doi).lower()


def normalize_pages(text: str | None) -> str:
    """Unify dashes and expand abbreviated ends: "1485–97" -> "1485-1497", "e816–e826" kept."""
    if not text:
        return ""
    text = _DASH_RX.sub("-", text.strip())
    text = re.sub(r"\s*-[\s-]*", "-", text)
    m = re.fullmatch(r"([A-Za-z]*)(\d+)-([A-Za-z]*)(\d+)", text)
    if m:
        pre1, first, pre2, last = m.groups()
        if len(last) < len(first) and pre2 in ("", pre1):
            expanded = first[: len(first) - len(last)] + last
            if int(expanded) >= int(first):
                return f"{pre1}{first}-{pre1}{expanded}"
    return text


def find_year(text: str) -> int | None:
    m = YEAR_RX.search(text or "")
    return int(m.group(1)) if m else None


def clean_title(text: str | None) -> str:
    """Strip the sentence period a citation style adds: "agents?." -> "agents?"."""
    if not text:
        return ""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([?!])\s*\.$", r"\1", text)
    if text.endswith(".") and not text.endswith("..."):
        text = text[:-1].rstrip()
    return text


# letters without a decomposition, spelled out
_SPELLED = {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
            "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "þ": "th", "ð": "d"}
_SPELLED_RX = re.compile("[" + "".join(_SPELLED) + "]")
_NON_WORD_RX = re.compile(r"[\W_]+")


def ascii_fold(text: str) -> str:
    """"Gökbuget" -> "Gokbuget"; letters without a decomposition ("ß", "ø") spelled out."""
    if text.isascii():  # most text: nothing to fold (and dedupe folds every field of every record)
        return text
    # accents decompose into combining marks, which are not ASCII and go with the rest
    text = _SPELLED_RX.sub(lambda m: _SPELLED[m.group(0)], text)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form for comparisons."""
    text = text or ""
    if not text.isascii():  # punctuation first, so "hemolytic–uremic" keeps two words
        text = ascii_fold(_NON_WORD_RX.sub(" ", unicodedata.normalize("NFKC", text)))
    return _NON_WORD_RX.sub(" ", text.casefold()).strip()


_NON_WORD_KEEP_LINES_RX = re.compile(r"[^\w\n]+|_+")
_FOLDED_NON_WORD_RX = re.compile(r"[^a-z0-9\n]+")  # on folded text: ASCII, lower case


def fold_all(texts: list[str]) -> list[str]:
    """`fold` of each text, in one pass over all of them (a large library has millions)."""
    if not texts:
        return []
    joined = "\n".join(t.replace("\n", " ") if "\n" in t else t for t in texts)
    if not joined.isascii():
        joined = ascii_fold(_NON_WORD_KEEP_LINES_RX.sub(" ", unicodedata.normalize("NFKC", joined)))
    return [t.strip() for t in _FOLDED_NON_WORD_RX.sub(" ", joined.lower()).split("\n")]


# --- citation keys -------------------------------------------------------------------------

def base_key(rec: Record) -> str:
    """Readable deterministic key: first author's family name, year, first title word."""
    from .citekeys import DEFAULT_PATTERN, make_key  # citekeys builds on this module

    return make_key(rec, DEFAULT_PATTERN)


def _suffix(n: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", … (bijective base 26, never runs out)."""
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def unique_key(base: str, taken: set[str], counters: dict[str, int] | None = None) -> str:
    """`base`, or `base` + a, b, …, z, aa, … when taken. `counters` makes runs linear."""
    if base not in taken:
        return base
    n = counters.get(base, 0) if counters is not None else 0
    while base + _suffix(n) in taken:
        n += 1
    if counters is not None:
        counters[base] = n + 1
    return base + _suffix(n)


def assign_keys(records: Iterable[Record], taken: set[str] | None = None) -> dict[str, str]:
    """Give every record a key: its own if free, else a readable one; mark it taken.

    Returns the keys that changed (old -> new); `cited-by` links within `records` follow.
    """
    records = list(records)
    taken = taken if taken is not None else set()
    renamed: dict[str, str] = {}
    counters: dict[str, int] = {}
    for rec in records:
        old = rec.id.strip()
        rec.id = unique_key(old or base_key(rec), taken, counters)
        taken.add(rec.id)
        if old and old != rec.id:
            renamed.setdefault(old, rec.id)
    for rec in records:
        cited_by = rec.custom.get("cited-by")
        if isinstance(cited_by, str) and cited_by in renamed:
            rec.custom["cited-by"] = renamed[cited_by]
    return renamed
