"""CSL-JSON: one array (`csl-json`) or one object per line (`jsonl`, for pipes)."""
from __future__ import annotations

import json
from typing import Any, Iterable

from ..errors import Problem
from ..model import Record
from .notes import apply_note, extra_lines


def _record(obj: Any, source: str, line: int | None, problems: list[Problem]) -> Record | None:
    if not isinstance(obj, dict):
        problems.append(Problem(source, line, f"expected a CSL-JSON object, found {type(obj).__name__}"))
        return None
    rec = Record.from_csl(obj)
    if rec.get("note"):
        apply_note(rec, rec.get("note"))  # `PMID: …` lines, as Zotero's Extra field writes them
    if rec.is_empty():
        problems.append(Problem(source, line, "CSL-JSON object without any bibliographic field"))
        return None
    return rec


def read_array(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """A CSL-JSON array (a single object is accepted too)."""
    try:
        data = json.loads(text)
    except RecursionError:
        return [], [Problem(source, None, "JSON nested too deeply")]
    except json.JSONDecodeError as exc:
        return [], [Problem(source, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")]
    items = data if isinstance(data, list) else [data]
    records: list[Record] = []
    problems: list[Problem] = []
    for i, obj in enumerate(items):
        rec = _record(obj, f"{source}[{i}]" if isinstance(data, list) else source, None, problems)
        if rec:
            records.append(rec)
    return records, problems


def read_lines(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """JSON lines: one CSL-JSON object per non-empty line."""
    records: list[Record] = []
    problems: list[Problem] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            problems.append(Problem(source, number, "JSON nested too deeply"))
            continue
        except json.JSONDecodeError as exc:
            problems.append(Problem(source, number, f"not valid JSON: {exc.msg}"))
            continue
        rec = _record(obj, source, number, problems)
        if rec:
            records.append(rec)
    return records, problems


def to_csl(rec: Record, with_custom: bool = True) -> dict[str, Any]:
    """The record's CSL-JSON; without `custom`, an arXiv id and "et al." go to the note
    (`arXiv: …`; CSL has no variable for them; Zotero and citeproc-js read such lines)."""
    data = rec.to_csl(with_custom)
    if not with_custom:
        extra = extra_lines(rec, set(data) | {"author", "editor", "issued", "accessed", "citation-key"})
        if extra:
            data["note"] = "\n".join(filter(None, [data.get("note", ""), *extra]))
    return data


def dumps_record(rec: Record, with_custom: bool = True) -> str:
    """One record as one line of JSON."""
    return json.dumps(to_csl(rec, with_custom), ensure_ascii=False)


def write_lines(records: Iterable[Record], with_custom: bool = True) -> str:
    return "".join(dumps_record(r, with_custom) + "\n" for r in records)


def write_array(records: Iterable[Record], with_custom: bool = True) -> str:
    items = [to_csl(r, with_custom) for r in records]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
