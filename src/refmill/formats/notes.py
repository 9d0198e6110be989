"""What every format shares: fields a format cannot carry travel as `name: value` note lines.

This is Zotero's convention for its Extra field (citeproc-js reads CSL variables from a
note the same way): a line `PMID: 12345` or `type: dataset` in a note is a CSL variable
the format has no place for. Writers put what they cannot carry there instead of dropping
it; readers take such lines back out of the note, so nothing is lost in a round trip.
"""
from __future__ import annotations

import re
from typing import Iterable

from ..model import CSL_TYPES, TEXT_FIELDS, Date, Name, Record

# note-line name (lower case, spaces as "-") -> CSL variable; "note" itself is not one.
_VARIABLES = {name.lower(): name for name in TEXT_FIELDS if name != "note"}
_SPECIAL = ("type", "editor", "accessed", "issued")
_LINE_RX = re.compile(r"^\s*([A-Za-z][A-Za-z -]{0,30}?)\s*:\s+(\S.*?)\s*$")


def is_article_number(page: str) -> bool:
    """An article number rather than a page: e577, e0123456, 224ra25, 101305 (no range).

    Supplement pages ("S23") and ordinary pages stay pages; a five-digit number alone is
    taken for an article number (journals' pages rarely run that high)."""
    page = (page or "").strip()
    return bool(re.fullmatch(r"[eE]\d+|\d+[A-Za-z]+\d+|\d{5,}", page))


def split_particle(name: Name) -> Name:
    """"van der Berg" -> particle "van der", family "Berg": CSL's split of a family name."""
    words = name.family.split()
    lead = []
    while len(words) > 1 and words[0][:1].islower():
        lead.append(words.pop(0))
    if lead and not name.non_dropping_particle:
        name.non_dropping_particle, name.family = " ".join(lead), " ".join(words)
    return name


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _date_text(date: Date) -> str:
    if date.year is None:
        return date.literal
    parts = [str(date.year)]
    if date.month:
        parts.append(f"{date.month:02d}")
        if date.day:
            parts.append(f"{date.day:02d}")
    return "-".join(parts)


def _names_text(people: list[Name]) -> str:
    return " and ".join("{" + p.literal + "}" if p.literal else p.display() for p in people)


def _names_from(text: str) -> list[Name]:
    people = []
    for part in re.split(r"\s+and\s+", text):
        part = part.strip()
        if part.startswith("{") and part.endswith("}"):
            people.append(Name(literal=part[1:-1]))
        elif part and part != "others":
            family, _, rest = part.partition(",")
            given, _, suffix = rest.partition(",")
            people.append(split_particle(Name(family=family.strip(), given=given.strip(), suffix=suffix.strip())))
    return people


def extra_lines(rec: Record, carried: Iterable[str], type_carried: bool = True) -> list[str]:
    """`name: value` lines for what a writer could not carry (by CSL variable name).

    `carried` names the text variables (and "author", "editor", "accessed", "issued",
    "arxiv", "citation-key", "truncated") the writer
    wrote in places of their own; `type_carried` is False when the format's entry type
    reads back as another CSL type.
    """
    carried = set(carried) | {"note"}
    lines = [] if type_carried else [f"type: {rec.type}"]
    if rec.id and "citation-key" not in carried:
        lines.append(f"citation-key: {rec.id}")
    for name in TEXT_FIELDS:
        if rec.get(name) and name not in carried:
            lines.append(f"{name}: {_one_line(rec.get(name))}")
    for name in ("author", "editor"):
        if getattr(rec, name) and name not in carried:
            others = " and others" if name == "author" and rec.truncated else ""
            lines.append(f"{name}: {_names_text(getattr(rec, name))}{others}")
    for name in ("issued", "accessed"):
        date = getattr(rec, name)
        if date and name not in carried and _date_text(date):
            lines.append(f"{name}: {_date_text(date)}")
    if rec.truncated and rec.author and "author" in carried and "truncated" not in carried:
        lines.append("et al.")  # the author list ended in "et al." where it came from
    if rec.custom.get("arxiv") and "arxiv" not in carried:
        lines.append(f"arXiv: {rec.custom['arxiv']}")
    return lines


def note_with_extras(rec: Record, carried: Iterable[str], type_carried: bool = True) -> str:
    """The record's own note followed by the extra lines, one per line."""
    lines = [rec.get("note")] if rec.get("note") else []
    return "\n".join(lines + extra_lines(rec, carried, type_carried))


def apply_note(rec: Record, note: str) -> None:
    """Set `rec`'s note from `note`, moving `name: value` lines for empty fields out of it."""
    kept = []
    for line in (note or "").splitlines():
        m = _LINE_RX.match(line)
        key = m.group(1).strip().lower().replace(" ", "-") if m else ""
        value = m.group(2) if m else ""
        if re.fullmatch(r"\s*et al\.?\s*", line):
            rec.custom["truncated"] = True
        elif key in _VARIABLES and not rec.get(_VARIABLES[key]):
            rec.set(_VARIABLES[key], value)
        elif key == "type" and value in CSL_TYPES:
            rec.type = value
        elif key == "arxiv" and not rec.custom.get("arxiv"):
            rec.custom["arxiv"] = value
        elif key in ("author", "editor") and not getattr(rec, key):
            setattr(rec, key, _names_from(value))
            if key == "author" and re.search(r"\sand\s+others$", value):
                rec.custom["truncated"] = True
        elif key == "citation-key" and not rec.id:
            rec.id = value
        elif key in ("issued", "accessed") and getattr(rec, key) is None:
            setattr(rec, key, Date.from_csl({"raw": value}) if re.fullmatch(r"\d{4}(-\d\d){0,2}", value) else Date(literal=value))
        elif line.strip():
            kept.append(_one_line(line))
    rec.set("note", "\n".join(kept))
