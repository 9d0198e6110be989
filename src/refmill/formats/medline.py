"""PubMed/MEDLINE tagged text (`.nbib`, PubMed's "Save citation" and "Send to: file").

A record is a run of `TAG - value` lines (tags up to four letters, left-justified),
values continue on lines indented by six spaces, and records are separated by blank
lines. What MEDLINE has no tag for travels in `GN` (general note) lines.
"""
from __future__ import annotations

import re
import textwrap
from typing import Iterable

from ..errors import Problem
from ..model import Date, Name, Record, clean_title, normalize_doi, normalize_pages
from .notes import apply_note, note_with_extras, split_particle

_TAG_RX = re.compile(r"^([A-Z][A-Z0-9]{1,3})\s*- ?(.*)$")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _records(text: str, source: str) -> tuple[list[tuple[int, list[tuple[str, str]]]], list[Problem]]:
    """(first line, [(tag, value), …]) per record; stray untagged lines are problems."""
    out: list[tuple[int, list[tuple[str, str]]]] = []
    problems: list[Problem] = []
    current: list[tuple[str, str]] = []
    start = 0
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if current:
                out.append((start, current))
                current = []
            continue
        m = _TAG_RX.match(line)
        if m and not line.startswith(" "):
            tag, value = m.group(1), m.group(2).strip()
            if tag == "PMID" and any(t == "PMID" for t, _ in current):
                out.append((start, current))  # no blank line between two records
                current = []
            if not current:
                start = number
            current.append((tag, value))
        elif current and line.startswith(" "):
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}".strip())
        else:
            problems.append(Problem(source, number, f"not a MEDLINE line, skipped: {line.strip()[:60]!r}"))
    if current:
        out.append((start, current))
    return out, problems


def _full_name(text: str) -> Name:
    """FAU/FED: "Griffin, Darren K", "van der Berg, Jan", "King, Martin L, Jr"."""
    if "," not in text and " " in text.strip():
        return Name(literal=text.strip())  # an organisation as editor
    family, _, rest = text.partition(",")
    given, _, suffix = rest.partition(",")
    return split_particle(Name(family=family.strip(), given=given.strip(), suffix=suffix.strip()))


def _short_name(text: str) -> Name:
    """AU/ED without FAU: "Kantarjian HM" -> Kantarjian, H. M. (ERIC writes "Smith, Tom")."""
    if "," in text:
        return _full_name(text)
    m = re.fullmatch(r"(.+?)\s+([A-Z]{1,4})(?:\s+(Jr|Sr|[IV]{2,3}|2nd|3rd))?", text.strip())
    if not m:
        return Name(family=text.strip())
    family, initials, suffix = m.groups()
    return split_particle(Name(family=family, given=" ".join(c + "." for c in initials), suffix=suffix or ""))


def _date(text: str) -> Date | None:
    """DP: "2020 Feb", "2016 Aug 1", "2016 Jan-Feb", "2015 Spring", "2019 Dec 15-31"."""
    m = re.match(r"(\d{4})(?:\s+([A-Za-z]+))?(?:[-\s]+[A-Za-z]+)?(?:\s+(\d{1,2}))?", text.strip())
    if not m:
        return Date(literal=text.strip()) if text.strip() else None
    year, word, day = m.groups()
    month = None
    if word:
        key = word[:3].title()
        month = _MONTHS.index(key) + 1 if key in _MONTHS else None  # seasons are not months
    return Date(int(year), month, int(day) if day and month and word[:3].title() in _MONTHS else None)


def _record(tags: list[tuple[str, str]]) -> Record:
    rec = Record()
    values: dict[str, list[str]] = {}
    for tag, value in tags:
        values.setdefault(tag, []).append(value)

    def first(tag: str) -> str:
        return values.get(tag, [""])[0]

    # authors: FAU (full) lines, else AU; CN (collective names) keep their place in the list
    people_full = [t for t in tags if t[0] in ("FAU", "CN")]
    people = people_full if any(t == "FAU" for t, _ in people_full) else [t for t in tags if t[0] in ("AU", "CN")]
    for tag, value in people:
        if tag == "CN":
            rec.author.append(Name(literal=value))
        elif value.lower().rstrip(".") in ("et al", "others"):
            rec.custom["truncated"] = True
        else:
            rec.author.append(_full_name(value) if tag == "FAU" else _short_name(value))
    rec.editor = [_full_name(v) for v in values.get("FED", [])] or [_short_name(v) for v in values.get("ED", [])]
    title = clean_title(first("TI"))
    book = first("BTI")
    if first("JT") or first("TA"):
        rec.type = "article-journal"
        rec.set("container-title", first("JT"))
        rec.set("container-title-short", first("TA"))
    elif book and title:
        rec.type = "chapter"
        rec.set("container-title", clean_title(book))
    elif book:
        rec.type, title = "book", clean_title(book)
    rec.set("title", title or clean_title(first("VTI")))
    rec.set("collection-title", clean_title(first("CTI")))
    rec.set("PMID", first("PMID"))
    rec.set("PMCID", first("PMC"))
    rec.set("volume", first("VI"))
    rec.set("issue", first("IP"))
    rec.set("page", normalize_pages(first("PG")))
    rec.set("abstract", " ".join(values.get("AB", [])))
    rec.set("publisher", first("PB"))
    rec.set("publisher-place", first("PL"))
    rec.set("edition", first("EN"))
    rec.set("language", first("LA"))
    issn = first("IS") or first("ISSN")
    rec.set("ISSN", re.sub(r"^ISSN-|\s*\(.*\)$", "", issn))
    rec.set("ISBN", re.sub(r"\s*\(.*\)$", "", first("ISBN")))
    for value in values.get("LID", []) + values.get("AID", []):
        kind = re.search(r"\[(\w+)\]\s*$", value)
        bare = re.sub(r"\s*\[\w+\]\s*$", "", value).strip()
        if kind and kind.group(1).lower() == "doi" or (not kind and normalize_doi(bare)):
            rec.set("DOI", rec.doi or normalize_doi(bare))
        elif not kind and bare.startswith("http"):
            rec.set("URL", rec.get("URL") or bare)
        elif not kind and not rec.get("page") and bare:
            rec.set("page", bare)  # an electronic location id: the article number
    keywords = values.get("OT", []) + values.get("MH", [])
    rec.set("keyword", "; ".join(dict.fromkeys(k for k in keywords if k)))
    rec.issued = _date(first("DP")) if first("DP") else None
    apply_note(rec, "\n".join(values.get("GN", [])))
    return rec


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse MEDLINE records; lines that are not MEDLINE are named with their line."""
    blocks, problems = _records(text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), source)
    records = []
    for line, tags in blocks:
        rec = _record(tags)
        if rec.is_empty():
            problems.append(Problem(source, line, "MEDLINE record without any bibliographic field"))
            continue
        records.append(rec)
    return records, problems


# --- writing -------------------------------------------------------------------------------


def _line(tag: str, value: str) -> str:
    value = re.sub(r"\s+", " ", value).strip()
    lines = textwrap.wrap(value, 82, break_long_words=False, break_on_hyphens=False) or [""]
    head = f"{tag:<4}- {lines[0]}"
    return "\n".join([head] + [" " * 6 + rest for rest in lines[1:]])


def _fau(name: Name) -> str:
    parts = [name.full_family, " ".join(p for p in (name.given, name.dropping_particle) if p)]
    if name.suffix:
        parts.append(name.suffix)
    return ", ".join(parts) if any(parts[1:]) else parts[0]


def _au(name: Name) -> str:
    initials = "".join(w[0] for w in re.split(r"[\s.-]+", name.given) if w[:1].isalpha())
    return " ".join(p for p in (name.full_family, initials.upper(), name.suffix) if p)


def _dp(date: Date) -> str:
    if date.year is None:
        return date.literal
    out = str(date.year)
    if date.month and 1 <= date.month <= 12:
        out += f" {_MONTHS[date.month - 1]}"
        if date.day:
            out += f" {date.day}"
    return out


def record_lines(rec: Record) -> list[str]:
    out: list[tuple[str, str]] = []
    carried = {"author", "PMID", "PMCID", "volume", "issue", "page", "title", "abstract", "DOI", "language",
               "ISSN", "ISBN", "publisher", "publisher-place", "edition", "keyword", "collection-title"}
    add = out.append
    if rec.get("PMID"):
        add(("PMID", rec.get("PMID")))
    if rec.get("ISSN"):
        add(("IS", rec.get("ISSN")))
    for tag, name in (("VI", "volume"), ("IP", "issue")):
        if rec.get(name):
            add((tag, rec.get(name)))
    if rec.issued and _dp(rec.issued):
        add(("DP", _dp(rec.issued)))
        carried.add("issued")
    if rec.type == "book":
        if rec.title:
            add(("BTI", rec.title))  # PubMed's books have a book title and no TI
    elif rec.title:
        add(("TI", rec.title if rec.title[-1:] in ".?!" else rec.title + "."))
    if rec.type == "chapter" and rec.get("container-title"):
        add(("BTI", rec.get("container-title")))
        carried.add("container-title")
    if rec.get("collection-title"):
        add(("CTI", rec.get("collection-title")))
    if rec.get("page"):
        add(("PG", normalize_pages(rec.get("page"))))
    if rec.doi:
        add(("LID", f"{rec.doi} [doi]"))
    if rec.get("abstract"):
        add(("AB", rec.get("abstract")))
    for name in rec.author:
        if name.literal:
            add(("CN", name.literal))
        else:
            add(("FAU", _fau(name)))
            add(("AU", _au(name)))
    for name in rec.editor:
        add(("FED", _fau(name) if not name.literal else name.literal))
        add(("ED", _au(name) if not name.literal else name.literal))
    carried.add("editor")
    if rec.get("language"):
        add(("LA", rec.get("language")))
    if rec.type == "article-journal":
        add(("PT", "Journal Article"))
    if rec.type not in ("chapter", "book"):
        for tag, name in (("TA", "container-title-short"), ("JT", "container-title")):
            if rec.get(name):
                add((tag, rec.get(name)))
                carried.add(name)
    for tag, name in (("PL", "publisher-place"), ("PB", "publisher"), ("ISBN", "ISBN"), ("EN", "edition")):
        if rec.get(name):
            add((tag, rec.get(name)))
    for keyword in filter(None, (k.strip() for k in re.split(r";", rec.get("keyword")))):
        add(("OT", keyword))
    # the type reads back from JT / BTI: a record of another type says so in a note
    if rec.type == "chapter":
        back = "chapter" if rec.title and rec.get("container-title") else ""
    elif rec.type == "book":
        back = "book" if rec.title else ""
    else:
        back = "article-journal"
    note = note_with_extras(rec, carried, type_carried=back == rec.type)
    for line in note.splitlines():
        add(("GN", line))
    if rec.get("PMCID"):
        add(("PMC", rec.get("PMCID")))
    if rec.doi:
        add(("AID", f"{rec.doi} [doi]"))
    if rec.type == "article-journal":
        add(("SO", _source(rec)))
    return [_line(tag, value) for tag, value in out]


def _source(rec: Record) -> str:
    """PubMed's citation line: "N Engl J Med. 2016 Aug;375(8):740-53."."""
    out = (rec.get("container-title-short") or rec.get("container-title")) + "."
    if rec.issued:
        out += f" {_dp(rec.issued)}"
    if rec.get("volume"):
        out += f";{rec.get('volume')}"
        if rec.get("issue"):
            out += f"({rec.get('issue')})"
    if rec.get("page"):
        out += f":{rec.get('page')}"
    return out + "."


def write(records: Iterable[Record]) -> str:
    return "".join("\n" + "\n".join(record_lines(r)) + "\n" for r in records)
