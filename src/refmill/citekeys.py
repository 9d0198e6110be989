"""Citation keys from a pattern, JabRef-style: `[auth:lower][year][veryshorttitle:lower]`.

A pattern is literal text (letters, digits, `-_.:`) and `[field]` or `[field:modifier...]`
parts. Keys are ASCII, so they work in BibTeX, biber and pandoc alike. The default pattern
gives the keys refmill has always made (`terwilliger2017acute`).
"""
from __future__ import annotations

import functools
import re
from typing import Callable, Iterable

from .errors import InputError
from .model import Record, ascii_fold, unique_key

DEFAULT_PATTERN = "[auth:lower][year][veryshorttitle:lower]"

# words a key skips when it takes words from the title
STOPWORDS = frozenset(
    "a an the on of in for and to with at by from is are as its into via über der die das le la les"
    " el los un une".split()
)


def _letters(text: str) -> str:
    return re.sub(r"[^A-Za-z]", "", ascii_fold(text))


def _families(rec: Record) -> list[str]:
    people = rec.author or rec.editor
    return [f for f in (_letters(p.family or p.literal) for p in people) if f]


def _auth(rec: Record) -> list[str]:
    """First author's (or editor's) family name; else the journal; else "anon"."""
    families = _families(rec)
    if families:
        return families[:1]
    return [_letters(rec.get("container-title"))[:12] or "anon"]


def _title_words(rec: Record) -> list[str]:
    words = re.findall(r"[A-Za-z0-9]+", ascii_fold(rec.title))  # ASCII only: "੦" is a digit to \d
    return [w for w in words if w.lower() not in STOPWORDS and not w.isdigit()]


def _first_page(rec: Record) -> list[str]:
    m = re.match(r"[A-Za-z]*[0-9]+", rec.get("page"))
    return [m.group(0)] if m else []


def _authors(n: int | None) -> Callable[[Record], list[str]]:
    def get(rec: Record) -> list[str]:
        families = _families(rec)
        if n is None or len(families) <= n:
            return families
        return families[:n] + ["EtAl"]

    return get


FIELDS: dict[str, Callable[[Record], list[str]]] = {
    "auth": _auth,
    "authors": _authors(None),
    "year": lambda rec: [str(rec.year)] if rec.year else [],
    "shortyear": lambda rec: [str(rec.year)[-2:]] if rec.year else [],
    "veryshorttitle": lambda rec: _title_words(rec)[:1],
    "shorttitle": lambda rec: _title_words(rec)[:3],
    "firstpage": _first_page,
}
MODIFIERS: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "capitalize": lambda w: w[:1].upper() + w[1:].lower(),
}
FIELD_HELP = (
    "auth (first author's family name), authN (its first N letters), authors (all family "
    "names), authorsN (the first N, then EtAl), year, shortyear, veryshorttitle (first "
    "word of the title that is not a, the, of, ...), shorttitle (first three such words), firstpage"
)

_PART_RX = re.compile(r"\[([^\[\]]*)\]|([A-Za-z0-9_.:-]+)")


def _field(name: str) -> Callable[[Record], list[str]] | None:
    if name in FIELDS:
        return FIELDS[name]
    m = re.fullmatch(r"(auth|authors)([1-9]\d?)", name)
    if not m:
        return None
    n = int(m.group(2))
    if m.group(1) == "authors":
        return _authors(n)
    return lambda rec: [w[:n] for w in _auth(rec)]


Part = Callable[[Record], str]


@functools.lru_cache(maxsize=32)
def compile_pattern(pattern: str) -> tuple[Part, ...]:
    """Check a pattern and turn it into parts; InputError names what is wrong."""
    parts: list[Part] = []
    pos = 0
    while pos < len(pattern):
        m = _PART_RX.match(pattern, pos)
        if not m:
            raise InputError(
                f"citekey pattern {pattern!r}: unexpected {pattern[pos]!r} at position {pos + 1};"
                " use [field] parts and letters, digits or -_.:"
            )
        pos = m.end()
        if m.group(2):
            literal = m.group(2)
            parts.append(lambda rec, literal=literal: literal)
            continue
        name, *mods = m.group(1).split(":")
        get = _field(name)
        if get is None:
            raise InputError(f"citekey pattern {pattern!r}: unknown field [{name}]; known fields: {FIELD_HELP}")
        for mod in mods:
            if mod not in MODIFIERS:
                raise InputError(
                    f"citekey pattern {pattern!r}: unknown modifier :{mod}; known: {', '.join(MODIFIERS)}"
                )
        funcs = [MODIFIERS[mod] for mod in mods]

        def part(rec: Record, get=get, funcs=funcs) -> str:
            words = get(rec)
            for func in funcs:
                words = [func(w) for w in words]
            return "".join(words)

        parts.append(part)
    if not parts:
        raise InputError("citekey pattern is empty; for example " + DEFAULT_PATTERN)
    return tuple(parts)


def make_key(rec: Record, pattern: str = DEFAULT_PATTERN) -> str:
    """The key `pattern` gives for `rec` ("anon" when the pattern gives nothing)."""
    return "".join(part(rec) for part in compile_pattern(pattern)) or "anon"


def rekey(records: list[Record], pattern: str = DEFAULT_PATTERN, only: Iterable[str] | None = None) -> dict[str, str]:
    """Give records (all, or those keyed in `only`) new keys from `pattern`; return old -> new.

    Keys of the other records stay as they are and are not reused; a key two records
    would share gets a, b, ... in library order. `cited-by` links follow the renaming.
    """
    compile_pattern(pattern)  # a bad pattern fails before any key changes
    chosen = set(only) if only is not None else None
    todo = [r for r in records if chosen is None or r.id in chosen]
    taken = {r.id for r in records if chosen is not None and r.id not in chosen}
    counters: dict[str, int] = {}
    renamed: dict[str, str] = {}
    for rec in todo:
        new = unique_key(make_key(rec, pattern), taken, counters)
        taken.add(new)
        if new != rec.id:
            renamed[rec.id] = new
        rec.id = new
    for rec in records:
        cited_by = rec.custom.get("cited-by")
        if isinstance(cited_by, str) and cited_by in renamed:
            rec.custom["cited-by"] = renamed[cited_by]
    return renamed
