"""Field-by-field agreement between two records.

One module for every "is this the same work?" question: `import` checking the library,
Crossref candidate validation and dedupe all ask it, so they cannot disagree.
"""
from __future__ import annotations

from rapidfuzz import fuzz

from .model import Record, doi_key, fold


def title_key(rec: Record) -> str:
    return fold(rec.title)


def first_family(rec: Record) -> str:
    for name in rec.author or rec.editor:
        key = fold(name.family or name.literal)
        if key:
            return key.split()[-1] if key else ""
    return ""


def title_similarity(a: Record, b: Record) -> float:
    """0..1, case-, accent- and punctuation-insensitive."""
    ta, tb = title_key(a), title_key(b)
    if not ta or not tb:
        return 0.0
    return fuzz.ratio(ta, tb) / 100.0


def same_work(a: Record, b: Record) -> bool:
    """True when `a` and `b` describe the same work (conservative: no wrong merges)."""
    da, db = doi_key(a.doi), doi_key(b.doi)
    if da and db:
        return da == db
    if a.year and b.year and a.year != b.year:
        return False
    fa, fb = first_family(a), first_family(b)
    if fa and fb and fa != fb:
        return False
    for field in ("volume", "page"):
        va, vb = fold(a.get(field)), fold(b.get(field))
        if va and vb and va != vb:
            return False
    return title_similarity(a, b) >= 0.95
