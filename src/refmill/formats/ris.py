"""RIS: read and write with rispy, checking record counts (rispy drops a record without ER).

Reads the dialects of PubMed, PMC, Scopus, Web of Science, Ovid, EBSCO, EndNote, Zotero,
IEEE Xplore, JSTOR and APA PsycNET exports (four-letter tags, header lines, BOMs, bare CR
line ends, identifiers in U1/U2/AN/C2/C7), and Web of Science's own tagged text (`FN`/`PT`).
Fields RIS has no tag for are written as `N1` lines `name: value`.
"""
from __future__ import annotations

import re
from typing import Any, Iterable

import rispy
from rispy.config import LIST_TYPE_TAGS, TAG_KEY_MAPPING

from ..errors import Problem
from ..model import Date, Name, Record, find_year, normalize_doi, normalize_pages
from .notes import apply_note, note_with_extras, split_particle

# rispy's default mapping lacks ED (editors), which EndNote and Zotero write, and
# knows no four-letter tags (APA PsycNET's "PMID  - ").
MAPPING = {**TAG_KEY_MAPPING, "ED": "editors", "ST": "short_title", "PMID": "pmid", "LA": "language",
           "Y2": "access_date", "U1": "user1", "U2": "user2", "C2": "custom2", "C7": "custom7"}
LIST_TAGS = [*LIST_TYPE_TAGS, "ED"]

TYPE_TO_RIS = {
    "article-journal": "JOUR",
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
    "legal_case": "CASE",
    "bill": "BILL",
    "legislation": "STAT",
    "map": "MAP",
    "personal_communication": "PCOMM",
    "graphic": "ART",
    "motion_picture": "MPCT",
    "musical_score": "MUSIC",
    "song": "SOUND",
    "pamphlet": "PAMP",
    "entry-dictionary": "DICT",
    "entry-encyclopedia": "ENCYC",
    "hearing": "HEAR",
    "broadcast": "VIDEO",
    "regulation": "LEGAL",
    "periodical": "JFULL",
    "document": "GEN",
}
RIS_TO_TYPE = {v: k for k, v in TYPE_TO_RIS.items()}
RIS_TO_TYPE.update(
    {"EJOUR": "article-journal", "INPR": "article-journal", "ABST": "article-journal",
     "CONF": "paper-conference", "EBOOK": "book", "EDBOOK": "book", "ECHAP": "chapter",
     "ICOMM": "webpage", "GOVDOC": "report", "SER": "book", "DBASE": "dataset", "ADVS": "broadcast",
     "MANSCPT": "manuscript", "CTLG": "book", "CLSWK": "classic", "AGGR": "dataset"}
)


class _Parser(rispy.RisParser):
    """rispy's parser, also taking three- and four-letter tags ("PMID  - ") as tags."""

    _LINE_RX = re.compile(r"^([A-Z][A-Z0-9]|[A-Z]{3,4})  -(?: (.*))?$")

    def parse_line(self, line: str) -> tuple[str | None, str]:
        m = self._LINE_RX.match(line)
        if m:
            return m.group(1), (m.group(2) or "").strip()
        return None, line.strip()


class _Writer(rispy.RisWriter):
    """rispy's writer without its "1." header line before each record."""

    def set_header(self, count: int) -> str:
        return ""


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _ris_name(name: Name) -> str:
    if name.literal:
        return name.literal + ","  # EndNote's mark of a corporate name: not to be inverted
    parts = [name.full_family]
    given = " ".join(p for p in (name.given, name.dropping_particle) if p)
    if given or name.suffix:
        parts.append(given)
    elif " " in name.full_family:
        return name.full_family + ","  # one field of several words: not to be read as "Given Family"
    if name.suffix:
        parts.append(name.suffix)
    return ", ".join(parts)


def record_to_ris(rec: Record) -> dict[str, Any]:
    kind = TYPE_TO_RIS.get(rec.type, "GEN")
    out: dict[str, Any] = {"type_of_reference": kind}
    if rec.id:
        out["id"] = rec.id
    if rec.author:
        out["authors"] = [_ris_name(a) for a in rec.author]  # "et al." goes to N1, not AU
    if rec.editor:
        out["editors"] = [_ris_name(e) for e in rec.editor]
    book = rec.type in ("book", "chapter")
    sn = "ISBN" if book or not rec.get("ISSN") else "ISSN"
    simple = {
        "title": "title", "short_title": "title-short", "secondary_title": "container-title",
        "alternate_title1": "container-title-short", "tertiary_title": "collection-title",
        "volume": "volume", "number": "issue", "doi": "DOI", "issn": sn, "publisher": "publisher",
        "place_published": "publisher-place", "edition": "edition", "abstract": "abstract",
        "language": "language",
    }
    carried = {"author", "editor", "page", "URL", "keyword", "citation-key"}
    for key, csl in simple.items():
        if rec.get(csl):
            out[key] = _one_line(rec.get(csl))
            carried.add(csl)
    if rec.issued and rec.issued.year is not None:
        d = rec.issued
        out["year"] = str(d.year)
        out["date"] = "/".join([str(d.year), f"{d.month:02d}" if d.month else "", f"{d.day:02d}" if d.day and d.month else "", ""])
        carried.add("issued")
    if rec.accessed and rec.accessed.year is not None:
        d = rec.accessed
        out["access_date"] = "/".join([str(d.year), f"{d.month:02d}" if d.month else "", f"{d.day:02d}" if d.day and d.month else "", ""])
        carried.add("accessed")
    page = normalize_pages(rec.get("page"))
    if page:
        first, _, last = page.partition("-") if page.count("-") == 1 else (page, "", "")
        out["start_page"] = first
        if last:
            out["end_page"] = last
    if rec.get("URL"):
        out["urls"] = [_one_line(rec.get("URL"))]
    if rec.get("keyword"):
        out["keywords"] = [k.strip() for k in rec.get("keyword").split(";") if k.strip()]
    type_back = RIS_TO_TYPE.get(kind, "document")
    note = note_with_extras(rec, carried, type_carried=type_back == rec.type)
    if note:
        out["notes"] = [_one_line(line) for line in note.splitlines()]
    return out


def write(records: Iterable[Record]) -> str:
    refs = [record_to_ris(r) for r in records]
    if not refs:
        return ""
    return rispy.dumps(refs, implementation=_Writer, mapping=MAPPING, list_tags=LIST_TAGS)


# --- reading -------------------------------------------------------------------------------

_INITIALS_RX = re.compile(r"^(?:[A-Z]\.(?:-?[A-Z]\.)*\s*)+\s")


def _name(text: str) -> Name:
    """"Family, Given[, Suffix]"; "M. Bobák" (IEEE: initials first); "WHO," or a name
    without a comma is an organisation."""
    text = text.strip()
    if text.endswith(",") and text.count(",") == 1:
        return Name(literal=text[:-1].strip())  # EndNote's corporate-name mark
    if "," in text:
        family, _, rest = text.partition(",")
        given, _, suffix = rest.partition(",")
        return split_particle(Name(family=family.strip(), given=given.strip(), suffix=suffix.strip()))
    m = _INITIALS_RX.match(text)
    if m and m.end() < len(text) and " " not in text[m.end():].strip():
        return split_particle(Name(family=text[m.end():].strip(), given=m.group(0).strip()))
    words = text.split()
    if 2 <= len(words) <= 3 and all(re.fullmatch(r"[A-Z][a-z\u00df-\u024f'-]+|[A-Z]\.?", w) for w in words) \
            and not _ORG_WORDS & {w.lower() for w in words}:
        return Name(family=words[-1], given=" ".join(words[:-1]))  # "Catarina Barata" (CRC Press)
    return Name(literal=text) if " " in text else Name(family=text)


_ORG_WORDS = frozenset("""group party consortium committee society association organization organisation
institute university collaboration collaborative network council investigators team study trial trials
foundation agency department center centre board office force project alliance federation panel
program programme initiative working registry hospital commission service services ministry authority
bureau academy college laboratory corporation company health world national international""".split())


def _first(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    return _one_line(str(value or ""))


def _date(raw: str) -> Date | None:
    raw = _one_line(raw)
    m = re.match(r"(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2}))?)?", raw)
    if m:
        y, mo, d = (int(g) if g else None for g in m.groups())
        if mo and not 1 <= mo <= 12:
            mo = d = None
        return Date(y, mo, d if mo else None)
    year = find_year(raw)
    return Date(year) if year else None


def _unknown(entry: dict[str, Any], tag: str) -> list[str]:
    return [v for v in (entry.get("unknown_tag") or {}).get(tag, []) if v.strip()]


def ris_to_record(entry: dict[str, Any]) -> Record:
    rec = Record(id=_first(entry.get("id")), type=RIS_TO_TYPE.get(_first(entry.get("type_of_reference")).upper(), "document"))
    authors = list(entry.get("authors") or []) + list(entry.get("first_authors") or [])
    for a in authors:  # two people may print the same name: both are kept
        if a.strip().lower().rstrip(".") in ("et al", "others"):
            rec.custom["truncated"] = True
        elif a.strip():
            rec.author.append(_name(a))
    editors = list(entry.get("editors") or [])
    if rec.type in ("chapter", "paper-conference", "entry-encyclopedia", "entry-dictionary"):
        editors += list(entry.get("secondary_authors") or [])
    rec.editor = [_name(e) for e in editors if e.strip()]
    rec.set("title", _first(entry.get("title") or entry.get("primary_title")))
    rec.set("title-short", _first(entry.get("short_title")))
    journals = [_first(entry.get(k)) for k in ("secondary_title", "alternate_title3", "journal_name", "alternate_title2")]
    rec.set("container-title", next((j for j in journals if j), ""))
    shorts = [_first(entry.get(k)) for k in ("alternate_title1", "alternate_title2")]  # J2, JA
    jo = _first(entry.get("journal_name"))
    rec.set("container-title-short", next((s for s in shorts if s), "") or (jo if jo != rec.get("container-title") else ""))
    rec.set("collection-title", _first(entry.get("tertiary_title")))
    rec.set("volume", _first(entry.get("volume")))
    rec.set("issue", _first(entry.get("number")))
    first, last = _first(entry.get("start_page")), _first(entry.get("end_page"))
    rec.set("page", normalize_pages(f"{first}-{last}" if first and last and last != first else first or last))
    if not rec.get("page"):
        rec.set("page", _first(entry.get("custom7")))  # Scopus: article number
    for key in ("date", "year", "publication_year"):
        rec.issued = _date(_first(entry.get(key))) if _first(entry.get(key)) else None
        if rec.issued:
            break
    if entry.get("access_date"):
        rec.accessed = _date(_first(entry.get("access_date")))
    rec.set("DOI", normalize_doi(_first(entry.get("doi"))))
    sn = re.sub(r"\s*\([^)]*\)", "", _first(entry.get("issn"))).strip()
    rec.set("ISBN" if rec.type in ("book", "chapter") or re.sub(r"[\s-]", "", sn)[:3] in ("978", "979") else "ISSN", sn)
    rec.set("publisher", _first(entry.get("publisher")))
    rec.set("publisher-place", _first(entry.get("place_published")))
    edition = _first(entry.get("edition"))
    rec.set("edition", "" if re.fullmatch(r"\d{4}/\d\d(/\d\d)?", edition) else edition)  # PubMed: ET is the epub date
    rec.set("language", _first(entry.get("language")))
    abstract = entry.get("abstract") or entry.get("notes_abstract")
    rec.set("abstract", _first(abstract))
    urls = [u for u in (entry.get("urls") or []) if u.strip()]
    if urls:
        rec.set("URL", _first(urls))
        if not rec.doi:
            rec.set("DOI", next((normalize_doi(u) for u in urls if "doi.org/" in u), ""))
    if entry.get("keywords"):
        rec.set("keyword", "; ".join(k.strip() for k in entry["keywords"] if k.strip()))
    _identifiers(rec, entry)
    notes = [n for n in (entry.get("notes") or []) if n.strip()]
    apply_note(rec, "\n".join(notes))
    return rec


def _identifiers(rec: Record, entry: dict[str, Any]) -> None:
    """PMID and PMCID where each database puts them."""
    for value in [_first(entry.get(k)) for k in ("user1", "user2", "custom2", "accession_number", "pmid")]:
        m = re.fullmatch(r"(\d+)\s*\[pmid\]|(PMC\d+)(?:\s*\[pmcid\])?", value, re.IGNORECASE)
        if m and m.group(1):
            rec.set("PMID", rec.get("PMID") or m.group(1))
        elif m and m.group(2):
            rec.set("PMCID", rec.get("PMCID") or m.group(2).upper())
    database = " ".join(_first(entry.get(k)) for k in ("name_of_database", "database_provider")).lower()
    accession = _first(entry.get("accession_number"))
    if accession.isdigit() and re.search(r"pubmed|medline|nlm", database):
        rec.set("PMID", rec.get("PMID") or accession)
    pmid = _first(entry.get("pmid"))
    if pmid.isdigit():
        rec.set("PMID", rec.get("PMID") or pmid)


_TY_RX = re.compile(r"^TY  -", re.MULTILINE)
_ER_RX = re.compile(r"^ER  -", re.MULTILINE)


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse RIS; a record rispy silently drops (no ER) is named with its line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if re.match(r"\s*FN ", text):
        return read_wos(text, source)
    entries = rispy.loads(text, implementation=_Parser, mapping=MAPPING, list_tags=LIST_TAGS)
    problems: list[Problem] = []
    starts, line, pos = [], 1, 0
    for m in _TY_RX.finditer(text):  # line numbers of the TY lines, counted once through
        line += text.count("\n", pos, m.start())
        pos = m.start()
        starts.append(line)
    if len(entries) < len(starts):
        # find the TY lines not closed by an ER before the next TY
        lines = text.split("\n")
        for i, start in enumerate(starts):
            end = starts[i + 1] - 1 if i + 1 < len(starts) else len(lines)
            if not any(_ER_RX.match(line) for line in lines[start - 1:end]):
                problems.append(Problem(source, start, "RIS record has no ER line: skipped"))
    if not starts and text.strip():
        problems.append(Problem(source, 1, "no RIS record (no line starting 'TY  -')"))
    records = []
    for entry in entries:
        rec = ris_to_record(entry)
        if not rec.is_empty():
            records.append(rec)
    return records, problems


# --- Web of Science tagged text ("FN Clarivate Analytics Web of Science") -----------------

_WOS_FIELDS = {"PMID": "pubmed_id", "ISSN": "issn", "ISBN": "isbn", "abstract": "abstract", "keyword": "author_keywords",
               "publisher": "publisher", "publisher-place": "publisher_city", "language": "language",
               "title": "document_title", "container-title": "publication_name", "volume": "volume", "issue": "issue"}
_WOS_TYPES = {"J": "article-journal", "B": "book", "S": "chapter", "P": "patent", "C": "paper-conference"}


def read_wos(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Web of Science's own export: two-letter tags, three-space continuation lines."""
    entries = rispy.loads(text, implementation=rispy.WokParser)
    expected = len(re.findall(r"^ER\s*$", text, re.MULTILINE))
    problems = [] if len(entries) >= expected else [Problem(source, None, f"{expected - len(entries)} Web of Science record(s) not read")]
    records = []
    for e in entries:
        rec = Record(type=_WOS_TYPES.get(_first(e.get("publication_type")), "article-journal"))
        names = e.get("author_full_name") or e.get("authors") or []
        rec.author = [_name(n) for n in (names if isinstance(names, list) else [names])]
        rec.author += [Name(literal=g) for g in (e.get("group_authors") or [])]
        rec.set("container-title-short", _first(e.get("iso_source_abbreviation")) or _first(e.get("source_abbreviation_29c")))
        first, last = _first(e.get("beginning_page")), _first(e.get("ending_page"))
        rec.set("page", normalize_pages(f"{first}-{last}" if first and last else first) or _first(e.get("article_number")))
        year = find_year(_first(e.get("publication_year")))
        rec.issued = Date(year) if year else None
        if rec.issued:
            month = re.match(r"([A-Za-z]{3})", _first(e.get("publication_date")))
            names_ = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
            if month and month.group(1).upper() in names_:
                rec.issued.month = names_.index(month.group(1).upper()) + 1
        rec.set("DOI", normalize_doi(_first(e.get("doi"))))
        for csl, key in _WOS_FIELDS.items():
            rec.set(csl, _first(e.get(key)))
        if not rec.is_empty():
            records.append(rec)
    return records, problems
