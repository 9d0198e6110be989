"""Pasted text -> records (+ problems).

The steps, in order: Unicode clean-up; the page's own article (read before chrome is
dropped); splitting into one block per reference by layout (chrome lines dropped, chrome
inside lines cut); fields per block; keys, and the link from each reference to the article
that cited it.
"""
from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from typing import Iterator

from ..errors import Problem
from ..model import Record, assign_keys, clean_title
from .clean import is_chrome, normalize_unicode
from .fields import apply_source, fill_source, parse_author_list, parse_reference
from .source import read_source
from .names import scan_names
from .page import own_article
from .split import RUNS_ON, Block, line_blocks, split_blocks
from .tagged import read_reference
from .values import YEAR_RX

__all__ = ["parse_text", "parse_block", "parse_reference"]

# layouts whose blocks are references for sure; in the others a block that does not read as
# a reference is other text of the page
_LISTS = ("sciencedirect", "numbered")
UNREAD = "not read as a reference; kept as raw text in the note"


def _sciencedirect_record(block: Block) -> Record | None:
    authors = [l[2:] for l in block.lines if l.startswith("• ")]
    body = [l for l in block.lines if not l.startswith("• ")]
    rec = Record()
    rec.author, truncated = parse_author_list(", ".join(authors))
    if truncated:
        rec.custom["truncated"] = True
    if not body:
        return None
    # the source line is the first line after the title that reads as one
    for k in range(len(body) - 1, 0, -1):
        src = read_source(body[k])
        if src.kind in ("chapter", "thesis", "report") or src.kind == "book" and src.fields.get("publisher-place"):
            continue  # "Oxford: Clarendon Press, 2017" is no journal
        if apply_source(rec, body[k]):
            rec.set("title", clean_title(" ".join(body[:k])))
            rec.custom["confidence"] = 0.95
            return rec
    # not "Journal. Year; Vol: pages": a book or chapter line ("Oxford University Press, Oxford 2010")
    rec.set("title", clean_title(body[0]))
    if len(body) > 1:
        fill_source(rec, read_source(" ".join(body[1:])))
    rec.custom["confidence"] = 0.4
    return rec


def _one_part_per_line(lines: list[str]) -> bool:
    """Names alone on the first line, then the title, then the source, no line ending in a
    sentence's punctuation: ScienceDirect's numbered list as it pastes since 2023."""
    if not 3 <= len(lines) <= 5 or any(len(l) > 250 or l.rstrip().endswith(RUNS_ON) for l in lines):
        return False
    first = lines[0].strip()
    names = scan_names(first)
    if not names.names or names.end < len(first.rstrip(" .")):
        return False
    # the source line alone has the year, in parentheses ("Nature, 465 (2010), pp. 100-105"), and
    # no line goes on in lower case: not a reference wrapped from a PDF
    return bool(_SD_SOURCE_YEAR_RX.search(lines[-1])) and not any(
        YEAR_RX.search(l) or l.lstrip()[:1].islower() for l in lines[1:-1])


_SD_SOURCE_YEAR_RX = re.compile(r"\((?:1[5-9]|20)\d\d\)")


def _block_text(block: Block) -> str:
    """The block as one string; lines that each hold one part keep their ends as sentence ends
    ("J. Smith, K. Jones" / "Alpha study" would otherwise read as one name list)."""
    if block.layout == "numbered" and _one_part_per_line(block.lines):
        return " ".join(l.strip() if l.rstrip()[-1:] in ".?!" else l.strip() + "." for l in block.lines)
    return block.text


def parse_block(block: Block) -> Record | None:
    """Fields of one block by its layout; None when it does not read as a reference."""
    if block.layout == "sciencedirect":
        rec = _sciencedirect_record(block)
    else:
        rec = read_reference(_block_text(block))
    if rec:
        rec.custom["raw"] = "\n".join(block.lines)
    return rec


def _cites(rec: Record) -> bool:
    """Outside a list, text is a reference only with a date or an identifier, and names or a
    title (a page's "Blood (2025) 145 (14): 1485–1497." line is no reference)."""
    return bool(rec.issued or rec.get("status") or rec.doi or rec.get("URL") or rec.get("ISBN") or rec.get("PMID")
                or rec.custom.get("arxiv")) and bool(rec.author or rec.editor or rec.title)


def kept_as_text(block: Block) -> Record:
    """A reference whose fields could not be read: its words go into `note`, which every
    format writes, so that nothing of it is lost and a person can fill it in."""
    text = " ".join(l.strip() for l in block.lines if not is_chrome(l))
    rec = Record(type="document", custom={"raw": "\n".join(block.lines), "confidence": 0.0})
    rec.set("note", text.strip())
    return rec


def _stamp(rec: Record, source: str, line: int) -> None:
    rec.custom["source"] = source
    rec.custom["line"] = line


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Parsing makes many small objects and no reference cycles; the cyclic collector would
    walk every record made so far, again and again, on a long input (a tenth of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_text(text: str, source: str, one_per_line: bool = False) -> tuple[list[Record], list[Problem]]:
    """Parse pasted text; `source` names it in records and problems (a path or "-")."""
    with _no_cycle_collection():
        return _parse_text(text, source, one_per_line)


def _parse_text(text: str, source: str, one_per_line: bool) -> tuple[list[Record], list[Problem]]:
    lines = normalize_unicode(text).split("\n")
    problems: list[Problem] = []
    records: list[Record] = []
    if one_per_line:
        for block in line_blocks(lines, keep_chrome=True):
            rec = parse_block(block)
            if rec is None:
                rec = kept_as_text(block)
                problems.append(Problem(source, block.line, UNREAD))
            _stamp(rec, source, block.line)
            records.append(rec)
        assign_keys(records)
        return records, problems

    own = own_article(lines)
    if own:
        own.record.custom["raw"] = lines[own.line - 1].strip()
        _stamp(own.record, source, own.line)
        records.append(own.record)
    for block in split_blocks(lines):
        if own and own.record.custom["raw"] in (l.strip() for l in block.lines):
            continue
        rec = parse_block(block)
        if rec is None and block.layout in _LISTS:  # in a list it is a reference all the same
            rec = kept_as_text(block)
            problems.append(Problem(source, block.line, UNREAD))
        elif rec is None or block.layout not in _LISTS and not _cites(rec):
            continue
        _stamp(rec, source, block.line)
        records.append(rec)
    assign_keys(records)
    if own:
        for rec in records[1:]:
            rec.custom["cited-by"] = own.record.id
    return records, problems
