"""Readers and writers by format name: the one place that maps names to code.

A reader takes (text, source) and returns (records, problems); a writer takes records and
returns text. Pasted text is a reader too (the parser), so every command reads every format.
"""
from __future__ import annotations

import importlib
import json
import re
from typing import Any, Callable, Iterable, Iterator

from ..errors import Problem
from ..model import Record
from . import csljson

Reader = Callable[[str, str], "tuple[list[Record], list[Problem]]"]


def _lazy(module: str, name: str) -> Callable[..., Any]:
    """`module.name`, imported on first call: bibtexparser, rispy and the XML reader load only
    when used, which keeps commands that need none (a search on a fresh index) quick to start."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(*args, **kwargs)

    return call


def _read_text(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    from ..parsing import parse_text  # the parser is heavier; load it only for pasted text

    return parse_text(text, source)


def _read_lines(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    from ..parsing import parse_text

    return parse_text(text, source, one_per_line=True)


READERS: dict[str, Reader] = {
    "bibtex": _lazy("bibtex", "read"),
    "ris": _lazy("ris", "read"),
    "medline": _lazy("medline", "read"),
    "endnote-xml": _lazy("endnote", "read"),
    "csl-json": csljson.read_array,
    "jsonl": csljson.read_lines,
    "text": _read_text,
    "lines": _read_lines,
}


def write_keys(records: Iterable[Record]) -> str:
    return "".join(r.id + "\n" for r in records)


WRITERS: dict[str, Callable[..., str]] = {
    "bibtex": _lazy("bibtex", "write"),
    "biblatex": _lazy("bibtex", "write_biblatex"),
    "ris": _lazy("ris", "write"),
    "medline": _lazy("medline", "write"),
    "csl-json": csljson.write_array,
    "jsonl": csljson.write_lines,
    "keys": write_keys,
}

# file extension -> format, for input detection and for `-o FILE` without --format
EXTENSIONS = {
    ".bib": "bibtex",
    ".bibtex": "bibtex",
    ".biblatex": "biblatex",
    ".ris": "ris",
    ".nbib": "medline",
    ".medline": "medline",
    ".xml": "endnote-xml",
    ".json": "csl-json",
    ".csl": "csl-json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "text",
    ".text": "text",
}


def detect(name: str, text: str) -> str:
    """Tell input formats apart by content first, then by extension; default pasted text."""
    head = text.lstrip("\ufeff \t\r\n")[:4096]
    if head.startswith("[") and not re.match(r"\[\d{1,4}\]", head):
        return "csl-json"  # not "[1] Smith J. …": a numbered reference list
    if head.startswith("{"):
        first_line = head.split("\n", 1)[0].strip()
        try:
            json.loads(first_line)
            return "jsonl"
        except ValueError:
            return "csl-json"
    if re.match(r"<(\?xml|xml\b)", head) and "<record" in text[:65536]:
        return "endnote-xml"
    if re.search(r"^TY  -", head, re.MULTILINE) or re.match(r"FN \S", head):
        return "ris"
    if re.search(r"^(PMID|OWN )- ", head, re.MULTILINE) or len(re.findall(r"^(TI  |FAU |AU  |DP  |JT  )- ", head, re.MULTILINE)) >= 2:
        return "medline"
    if re.search(r"^\s*@\s*[A-Za-z]+\s*[{(]", head, re.MULTILINE):
        return "bibtex"
    for ext, fmt in EXTENSIONS.items():
        if name.lower().endswith(ext) and fmt in ("bibtex", "biblatex", "ris", "medline"):
            return "bibtex" if fmt == "biblatex" else fmt
    return "text"


def read(text: str, source: str, fmt: str | None = None) -> tuple[list[Record], list[Problem]]:
    """Read `text` in `fmt` (detected when None)."""
    return READERS[fmt or detect(source, text)](text, source)


def write(records: Iterable[Record], fmt: str, ascii_only: bool = False, with_custom: bool = True) -> str:
    """Records as text in `fmt`. `ascii_only` is for BibTeX/BibLaTeX (LaTeX accents);
    `with_custom` for CSL-JSON (refmill's `custom` object; BibTeX exports never have it)."""
    writer = WRITERS[fmt]
    if fmt in ("bibtex", "biblatex"):
        return writer(records, ascii_only=ascii_only)
    if fmt in ("csl-json", "jsonl"):
        return writer(records, with_custom=with_custom)
    return writer(records)


# formats whose text is one record after another: written in slices, so a large output is
# never held whole in memory
_LINE_FORMATS = ("jsonl", "keys")
_SLICE = 1000


def write_chunks(records: list[Record], fmt: str, ascii_only: bool = False) -> Iterator[str]:
    """`write`, as pieces of text to be written one after another."""
    if fmt not in _LINE_FORMATS:
        yield write(records, fmt, ascii_only=ascii_only)
        return
    for start in range(0, len(records), _SLICE):
        yield write(records[start:start + _SLICE], fmt)


def format_for_path(path: str) -> str | None:
    for ext, fmt in EXTENSIONS.items():
        if path.lower().endswith(ext) and fmt in WRITERS:
            return fmt
    return None
