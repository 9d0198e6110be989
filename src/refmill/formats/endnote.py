"""EndNote XML (EndNote's "XML" export; Bookends writes it too). Read only.

Parsed with defusedxml: a file with entity declarations (an "XML bomb") or external
references is refused instead of expanded or fetched.
"""
from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from ..errors import Problem
from ..model import Date, Record, clean_title, normalize_doi, normalize_pages
from .notes import apply_note
from .ris import _name

# EndNote reference type (its name attribute) -> CSL type
REF_TYPES = {
    "journal article": "article-journal", "electronic article": "article-journal",
    "magazine article": "article-magazine", "newspaper article": "article-newspaper",
    "book": "book", "edited book": "book", "electronic book": "book",
    "book section": "chapter", "electronic book section": "chapter",
    "conference paper": "paper-conference", "conference proceedings": "paper-conference",
    "thesis": "thesis", "report": "report", "government document": "report",
    "unpublished work": "manuscript", "manuscript": "manuscript", "web page": "webpage",
    "blog": "post-weblog", "dataset": "dataset", "computer program": "software",
    "patent": "patent", "standard": "standard", "statute": "legislation", "bill": "bill",
    "case": "legal_case", "map": "map", "personal communication": "personal_communication",
    "encyclopedia": "entry-encyclopedia", "dictionary": "entry-dictionary", "pamphlet": "pamphlet",
    "generic": "document",
}
# CSL variable -> EndNote element, where one holds the other as it is
_SIMPLE = {"volume": "volume", "edition": "edition", "section": "section", "publisher": "publisher",
           "publisher-place": "pub-location", "genre": "work-type", "language": "language", "abstract": "abstract"}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _text(el: Element | None) -> str:
    """All text inside an element (EndNote wraps every value in <style> runs)."""
    if el is None:
        return ""
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def _all(record: Element, path: str) -> list[str]:
    return [t for t in (_text(e) for e in record.findall(path)) if t]


def _date(record: Element) -> Date | None:
    year = re.search(r"\d{4}", _text(record.find("dates/year")))
    if not year:
        return None
    date = Date(int(year.group(0)))
    pub = _text(record.find("dates/pub-dates/date")).lower()
    iso = re.match(r"\d{4}-(\d\d)(?:-(\d\d))?", pub)
    if iso:
        date.month = int(iso.group(1)) if 1 <= int(iso.group(1)) <= 12 else None
        date.day = int(iso.group(2)) if iso.group(2) and date.month else None
    elif pub[:3] in _MONTHS:
        date.month = _MONTHS.index(pub[:3]) + 1
        day = re.search(r"\b(\d{1,2})\b", pub)
        date.day = int(day.group(1)) if day else None
    return date


def record_from_xml(record: Element) -> Record:
    kind = record.find("ref-type")
    name = (kind.get("name") if kind is not None else "") or ""
    rec = Record(type=REF_TYPES.get(name.strip().lower(), "article-journal" if not name else "document"))
    rec.author = [_name(a) for a in _all(record, "contributors/authors/author")]
    rec.editor = [_name(a) for a in _all(record, "contributors/secondary-authors/author")]
    rec.set("title", clean_title(_text(record.find("titles/title"))))
    rec.set("title-short", _text(record.find("titles/short-title")))
    container = _text(record.find("titles/secondary-title")) or _text(record.find("periodical/full-title"))
    rec.set("container-title", container)
    short = _text(record.find("periodical/abbr-1")) or _text(record.find("titles/alt-title"))
    rec.set("container-title-short", short if short != container else "")
    rec.set("collection-title", _text(record.find("titles/tertiary-title")))
    pages = _text(record.find("pages"))
    rec.set("page", normalize_pages(pages) if re.fullmatch(r"[\w.]+(\s*[-–]\s*[\w.]+)?", pages) else "")
    number = _text(record.find("number"))
    rec.set("issue" if rec.type.startswith("article") else "number", number)
    for csl, path in _SIMPLE.items():
        rec.set(csl, _text(record.find(path)))
    serial = re.split(r"[\r\n]| \(", _text(record.find("isbn")).replace("\r", "\n"))[0].strip()
    rec.set("ISBN" if rec.type in ("book", "chapter") else "ISSN", serial)
    rec.set("DOI", normalize_doi(_text(record.find("electronic-resource-num"))))
    urls = _all(record, "urls/related-urls/url") + _all(record, "urls/web-urls/url")
    rec.set("URL", urls[0] if urls else "")
    keywords = _all(record, "keywords/keyword")
    rec.set("keyword", "; ".join(keywords))
    accession = _text(record.find("accession-num"))
    where = " ".join(_text(record.find(p)) for p in ("remote-database-name", "remote-database-provider")).lower()
    if accession.isdigit() and (re.search(r"nlm|pubmed|medline", where) or any(f"pubmed/{accession}" in u for u in urls)):
        rec.set("PMID", accession)
    rec.issued = _date(record)
    if pages and not rec.get("page"):
        apply_note(rec, f"{_text(record.find('notes'))}\n{pages}")  # "Available: http://…"
    else:
        apply_note(rec, _text(record.find("notes")))
    return rec


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse EndNote XML; malformed or dangerous XML is one problem with its line."""
    try:
        root = fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except DefusedXmlException as exc:
        return [], [Problem(source, None, f"XML refused: {type(exc).__name__} (entity declarations or external references are not read)")]
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        return [], [Problem(source, line, f"not well-formed XML ({exc})")]
    records_el = root.findall(".//record")
    if not records_el:
        return [], [Problem(source, None, "XML without EndNote <record> elements")]
    records, problems = [], []
    for i, el in enumerate(records_el, 1):
        rec = record_from_xml(el)
        if rec.is_empty():
            problems.append(Problem(f"{source}[record {i}]", None, "EndNote record without any bibliographic field"))
        else:
            records.append(rec)
    return records, problems
