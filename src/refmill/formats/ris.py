"""RIS: read and write with rispy, checking record counts (rispy drops a record without ER)."""
from __future__ import annotations

import re
from typing import Any, Iterable

import rispy
from rispy.config import LIST_TYPE_TAGS, TAG_KEY_MAPPING

from ..errors import Problem
from ..model import Date, Name, Record, find_year, normalize_doi, normalize_pages

# rispy's default mapping lacks ED (editors), which EndNote and Zotero write.
MAPPING = {**TAG_KEY_MAPPING, "ED": "editors"}
LIST_TAGS = [*LIST_TYPE_TAGS, "ED"]

TYPE_TO_RIS = {
    "article-journal": "JOUR",
    "article": "JOUR",
    "review": "JOUR",
    "article-magazine": "MGZN",
    "article-newspaper": "NEWS",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "thesis": "THES",
    "report": "RPRT",
    "manuscript": "UNPB",
    "webpage": "ELEC",
    "post-weblog": "BLOG",
    "dataset": "DATA",
    "software": "COMP",
    "patent": "PAT",
    "standard": "STAND",
}
RIS_TO_TYPE = {v: k for k, v in TYPE_TO_RIS.items() if k not in ("article", "review")}
RIS_TO_TYPE.update(
    {"JFULL": "article-journal", "EJOUR": "article-journal", "INPR": "article-journal",
     "ABST": "article-journal", "CONF": "paper-conference", "EBOOK": "book", "EDBOOK": "book",
     "ECHAP": "chapter", "GEN": "document", "ICOMM": "webpage", "GOVDOC": "report",
     "SER": "book", "CASE": "legal_case", "BILL": "bill", "STAT": "legislation",
     "MAP": "map", "PCOMM": "personal_communication", "ART": "graphic", "DBASE": "dataset"}
)


class _Writer(rispy.RisWriter):
    """rispy's writer without its "1." header line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _ris_name(name: Name) -> str:
    if name.literal:
        return name.literal
    parts = [name.full_family]
    given = " ".join(p for p in (name.given, name.dropping_particle) if p)
    if given or name.suffix:
        parts.append(given)
    if name.suffix:
        parts.append(name.suffix)
    return ", ".join(parts)


def record_to_ris(rec: Record) -> dict[str, Any]:
    out: dict[str, Any] = {"type_of_reference": TYPE_TO_RIS.get(rec.type, "GEN")}
    if rec.id:
        out["id"] = rec.id
    if rec.author:
        out["authors"] = [_ris_name(a) for a in rec.author]
        if rec.truncated:
            out["authors"].append("et al.")
    if rec.editor:
        out["editors"] = [_ris_name(e) for e in rec.editor]
    simple = [
        ("title", rec.title),
        ("secondary_title", rec.get("container-title")),
        ("alternate_title1", rec.get("container-title-short")),
        ("tertiary_title", rec.get("collection-title")),
        ("volume", rec.get("volume")),
        ("number", rec.get("issue") or rec.get("number")),
        ("doi", rec.doi),
        ("issn", rec.get("ISSN") or rec.get("ISBN")),
        ("publisher", rec.get("publisher")),
        ("place_published", rec.get("publisher-place")),
        ("edition", rec.get("edition")),
        ("abstract", rec.get("abstract")),
    ]
    if rec.issued and rec.issued.year:
        out["year"] = str(rec.issued.year)
        d = rec.issued
        out["date"] = "/".join([str(d.year), f"{d.month:02d}" if d.month else "", f"{d.day:02d}" if d.day else "", ""])
    page = normalize_pages(rec.get("page"))
    if page:
        first, _, last = page.partition("-")
        out["start_page"] = first
        if last:
            out["end_page"] = last
    for key, value in simple:
        if value:
            out[key] = _one_line(value)
    if rec.get("URL"):
        out["urls"] = [_one_line(rec.get("URL"))]
    if rec.get("keyword"):
        out["keywords"] = [k.strip() for k in re.split(r"[;,]", rec.get("keyword")) if k.strip()]
    if rec.get("note"):
        out["notes"] = [_one_line(rec.get("note"))]
    return out


def write(records: Iterable[Record]) -> str:
    refs = [record_to_ris(r) for r in records]
    if not refs:
        return ""
    return rispy.dumps(refs, implementation=_Writer, mapping=MAPPING, list_tags=LIST_TAGS)


# --- reading -----------------------------------------------------------------------------

def _name(text: str) -> Name:
    text = text.strip()
    if "," in text:
        family, _, rest = text.partition(",")
        given, _, suffix = rest.partition(",")
        return Name(family=family.strip(), given=given.strip(), suffix=suffix.strip())
    return Name(literal=text) if " " in text and not re.search(r"\b[A-Z]\.?$", text) else Name(family=text)


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return _one_line(str(value or ""))


def _date(entry: dict[str, Any]) -> Date | None:
    for key in ("date", "year", "publication_year"):
        raw = _first(entry.get(key))
        if not raw:
            continue
        m = re.match(r"(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2}))?)?", raw)
        if m:
            y, mo, d = (int(g) if g else None for g in m.groups())
            if mo and not 1 <= mo <= 12:
                mo = d = None
            return Date(y, mo, d if mo else None)
        year = find_year(raw)
        if year:
            return Date(year)
    return None


def ris_to_record(entry: dict[str, Any]) -> Record:
    rec = Record(id=_first(entry.get("id")), type=RIS_TO_TYPE.get(_first(entry.get("type_of_reference")).upper(), "document"))
    authors = list(entry.get("authors") or []) + list(entry.get("first_authors") or [])
    for a in authors:
        if a.strip().lower().rstrip(".") in ("et al", "others"):
            rec.custom["truncated"] = True
        elif a.strip():
            rec.author.append(_name(a))
    editors = list(entry.get("editors") or [])
    if rec.type in ("chapter", "paper-conference"):
        editors += list(entry.get("secondary_authors") or [])
    rec.editor = [_name(e) for e in editors if e.strip()]
    rec.set("title", _first(entry.get("title") or entry.get("primary_title")))
    journal = entry.get("secondary_title") or entry.get("journal_name") or entry.get("alternate_title3") or entry.get("alternate_title2") or entry.get("alternate_title1")
    rec.set("container-title", _first(journal))
    short = entry.get("alternate_title1") or entry.get("alternate_title2")
    if _first(short) != rec.get("container-title"):
        rec.set("container-title-short", _first(short))
    rec.set("collection-title", _first(entry.get("tertiary_title")))
    rec.set("volume", _first(entry.get("volume")))
    rec.set("issue", _first(entry.get("number")))
    first, last = _first(entry.get("start_page")), _first(entry.get("end_page"))
    rec.set("page", normalize_pages(f"{first}-{last}" if first and last and last != first else first))
    rec.issued = _date(entry)
    rec.set("DOI", normalize_doi(_first(entry.get("doi"))))
    sn = _first(entry.get("issn"))
    rec.set("ISBN" if rec.type in ("book", "chapter") else "ISSN", sn)
    rec.set("publisher", _first(entry.get("publisher")))
    rec.set("publisher-place", _first(entry.get("place_published")))
    rec.set("edition", _first(entry.get("edition")))
    rec.set("abstract", _first(entry.get("abstract") or entry.get("notes_abstract")))
    urls = entry.get("urls") or []
    if urls:
        rec.set("URL", _first(urls))
        if not rec.doi:
            rec.set("DOI", normalize_doi(" ".join(urls)) if "doi.org/" in " ".join(urls) else "")
    if entry.get("keywords"):
        rec.set("keyword", "; ".join(k.strip() for k in entry["keywords"] if k.strip()))
    notes = [n for n in (entry.get("notes") or []) if n.strip()]
    if notes:
        rec.set("note", " ".join(_one_line(n) for n in notes))
    return rec


_TY_RX = re.compile(r"^\ufeff?TY  -", re.MULTILINE)
_ER_RX = re.compile(r"^ER  -", re.MULTILINE)


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse RIS; a record rispy silently drops (no ER) is named with its line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    entries = rispy.loads(text, mapping=MAPPING, list_tags=LIST_TAGS)
    problems: list[Problem] = []
    starts, line, pos = [], 1, 0  # line of each TY, counted incrementally (linear, not quadratic)
    for m in _TY_RX.finditer(text):
        line, pos = line + text.count("\n", pos, m.start()), m.start()
        starts.append(line)
    if len(entries) < len(starts):
        # find the TY lines not closed by an ER before the next TY
        lines = text.split("\n")
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
            if not any(l.startswith("ER  -") for l in lines[start - 1:end]):
                problems.append(Problem(source, start, "RIS record has no ER line: skipped"))
    if not starts and text.strip():
        problems.append(Problem(source, 1, "no RIS record (no line starting 'TY  -')"))
    records = []
    for entry in entries:
        rec = ris_to_record(entry)
        if rec.is_empty():
            continue
        records.append(rec)
    return records, problems
