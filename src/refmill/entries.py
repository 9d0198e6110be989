"""Changes to single entries of a library: find by key, remove, tag, replace after an edit.

Pure functions over `list[Record]`; the command loads and saves the library around them.
Entries point at each other only through `custom["cited-by"]`, so every change that
removes or renames a key keeps those links right.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Iterable

from .errors import InputError, LibraryError, Problem
from .formats import bibtex
from .model import Record


def find(records: list[Record], keys: Iterable[str], source: str = "the library") -> list[Record]:
    """The records with these keys, in the order asked; LibraryError names every unknown key."""
    by_key = {r.id: r for r in records}
    keys = list(dict.fromkeys(keys))
    missing = [k for k in keys if k not in by_key]
    if missing:
        hint = ""
        if len(missing) == 1:
            close = difflib.get_close_matches(missing[0], list(by_key), n=3, cutoff=0.75)
            if close:
                hint = f" (did you mean {', '.join(close)}?)"
        noun = "key" if len(missing) == 1 else "keys"
        raise LibraryError(f"no {noun} {', '.join(missing)} in {source}{hint}")
    return [by_key[k] for k in keys]


def _unlink(records: list[Record], gone: set[str]) -> list[Record]:
    """Drop `cited-by` links to keys that no longer exist; return the records touched."""
    touched = []
    for rec in records:
        if rec.custom.get("cited-by") in gone:
            del rec.custom["cited-by"]
            touched.append(rec)
    return touched


@dataclass
class Removal:
    removed: list[Record] = field(default_factory=list)
    unlinked: list[Record] = field(default_factory=list)  # lost their cited-by link


def remove(records: list[Record], keys: Iterable[str]) -> Removal:
    """Remove the records with these keys (all or none), in place."""
    doomed = find(records, keys)
    gone = {r.id for r in doomed}
    records[:] = [r for r in records if r.id not in gone]
    return Removal(doomed, _unlink(records, gone))


# --- tags ------------------------------------------------------------------------------------

_TAG_SPLIT_RX = re.compile(r"\s*[,;]\s*")


def tags(rec: Record) -> list[str]:
    """The record's tags: its `keyword` field split at commas or semicolons."""
    return [t for t in _TAG_SPLIT_RX.split(rec.get("keyword").strip()) if t]


def check_tag(tag: str) -> str:
    tag = re.sub(r"\s+", " ", tag).strip()
    if not tag or _TAG_SPLIT_RX.search(tag) or re.search(r"[{}]", tag):
        raise InputError(f"not a tag: {tag!r}; tags are words or phrases without commas, semicolons or braces")
    return tag


def retag(rec: Record, add: Iterable[str] = (), drop: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """Add and drop tags (case-insensitively); return (added, dropped) as they changed."""
    current = tags(rec)
    added, dropped = [], []
    for tag in drop:
        kept = [t for t in current if t.casefold() != tag.casefold()]
        if len(kept) != len(current):
            dropped.append(tag)
        current = kept
    for tag in add:
        if all(t.casefold() != tag.casefold() for t in current):
            current.append(tag)
            added.append(tag)
    rec.set("keyword", ", ".join(current))
    return added, dropped


def tag_counts(records: Iterable[Record]) -> dict[str, int]:
    """Every tag in the library with how many entries carry it (spelling of its first use)."""
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for rec in records:
        for tag in tags(rec):
            name = spelling.setdefault(tag.casefold(), tag)
            counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold())))


# --- editing ---------------------------------------------------------------------------------


def as_bibtex(rec: Record) -> str:
    """The entry exactly as the library file holds it (with refmill's own fields)."""
    return bibtex.write([rec], with_custom=True)


def read_edit(text: str, source: str) -> Record:
    """The one entry of an edited text; InputError says what is wrong and where."""
    records, problems = bibtex.read(text, source)
    if problems:
        first = problems[0]
        detail = re.sub(r"^malformed BibTeX entry skipped\s*", "", first.message)
        raise InputError(str(Problem(first.source, first.line, f"not valid BibTeX {detail}".strip())))
    if len(records) != 1:
        raise InputError(
            f"{source}: the edit holds {len(records)} entries; keep exactly one"
            + (" (to delete the entry, use `refmill remove`)" if not records else "")
        )
    rec = records[0]
    if not re.fullmatch(r"[^\s,{}()\"#%'=\\~]+", rec.id):
        raise InputError(f"{source}: {rec.id!r} is not a usable citation key (no spaces, commas, braces or quotes)")
    return rec


def replace(records: list[Record], key: str, new: Record) -> str | None:
    """Put `new` where the entry `key` was; return the old key if the key changed.

    A new key must be free; `cited-by` links to the old key follow it.
    """
    (old,) = find(records, [key])
    if new.id != key:
        if any(r.id == new.id for r in records):
            raise InputError(f"key {new.id!r} is already taken in the library; choose another")
        for rec in records:
            if rec.custom.get("cited-by") == key:
                rec.custom["cited-by"] = new.id
    records[next(i for i, r in enumerate(records) if r is old)] = new
    return key if new.id != key else None
