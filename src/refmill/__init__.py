"""refmill: pasted reference lists -> clean records; a library you can search, dedupe, export."""
from __future__ import annotations

__version__ = "0.1.0"

from .errors import ExitCode, Problem, RefmillError  # noqa: E402
from .model import Date, Name, Record  # noqa: E402

__all__ = ["__version__", "Date", "ExitCode", "Name", "Problem", "Record", "RefmillError", "parse_text", "read", "write"]


def parse_text(text: str, source: str = "-", one_per_line: bool = False):
    """Pasted text -> (records, problems). See `refmill.parsing`."""
    from .parsing import parse_text as _parse

    return _parse(text, source, one_per_line)


def read(text: str, source: str = "-", fmt: str | None = None):
    """Any format refmill reads -> (records, problems)."""
    from .formats import read as _read

    return _read(text, source, fmt)


def write(records, fmt: str, **options) -> str:
    """Records -> text in `fmt` (bibtex, biblatex, ris, medline, csl-json, jsonl, keys)."""
    from .formats import write as _write

    return _write(records, fmt, **options)
