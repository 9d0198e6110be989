"""Counts over a library: by year, type, journal and author.

Journals and authors are grouped by a folded form ("Blood" = "BLOOD", "Kantarjian, H. M."
= "Kantarjian, Hagop M."), and shown in the spelling met first.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import Name, Record, fold


@dataclass
class Stats:
    records: int = 0
    years: dict[str, int] = field(default_factory=dict)  # "2020" -> n, ascending; "unknown" last
    types: dict[str, int] = field(default_factory=dict)
    journals: dict[str, int] = field(default_factory=dict)  # most frequent first
    authors: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "years": self.years, "types": self.types,
                "journals": self.journals, "authors": self.authors}


def _initials(given: str) -> str:
    """"Hagop M." -> "H. M."; "Jean-Pierre" -> "J.-P."."""
    out = ""
    for part in given.replace(".", " ").replace("-", " -").split():
        letters = part.strip("-")
        if not letters:
            continue
        if part.startswith("-") and out:
            out += "-" + letters[0].upper() + "."
        else:
            out += (" " if out else "") + letters[0].upper() + "."
    return out


def author_label(name: Name) -> str:
    """"Family, I. N." so that full and initialled forms of one person count together."""
    if name.literal:
        return name.literal
    initials = _initials(name.given)
    return f"{name.full_family}, {initials}" if initials else name.full_family


class _Tally:
    """Counts by folded form, remembering the first spelling seen."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.spelling: dict[str, str] = {}

    def add(self, label: str) -> None:
        if label.strip():
            key = fold(label) or label
            self.spelling.setdefault(key, label.strip())
            self.counts[key] += 1

    def ranked(self) -> dict[str, int]:
        """Most frequent first; ties alphabetically."""
        order = sorted(self.counts.items(), key=lambda kv: (-kv[1], self.spelling[kv[0]].casefold()))
        return {self.spelling[k]: n for k, n in order}


def summarize(records: Iterable[Record]) -> Stats:
    years: Counter[str] = Counter()
    types = _Tally()
    journals = _Tally()
    authors = _Tally()
    total = 0
    for rec in records:
        total += 1
        years[str(rec.year) if rec.year else "unknown"] += 1
        types.add(rec.type)
        journals.add(rec.get("container-title"))
        for person in rec.author:
            authors.add(author_label(person))
    year_order = sorted((y for y in years if y != "unknown"), key=int) + (["unknown"] if "unknown" in years else [])
    return Stats(total, {y: years[y] for y in year_order}, types.ranked(), journals.ranked(), authors.ranked())


def year_series(stats: Stats, max_gap_fill: int = 60) -> list[tuple[str, int]]:
    """Years for a chart: the years between the first and the last filled in with 0
    (unless the span is very long), then "unknown" if any."""
    known = [int(y) for y in stats.years if y != "unknown"]
    if known and max(known) - min(known) < max_gap_fill:
        series = [(str(y), stats.years.get(str(y), 0)) for y in range(min(known), max(known) + 1)]
    else:
        series = [(str(y), stats.years[str(y)]) for y in known]
    if "unknown" in stats.years:
        series.append(("unknown", stats.years["unknown"]))
    return series
