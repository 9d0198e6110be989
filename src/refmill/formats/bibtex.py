"""BibTeX: read with bibtexparser v2 (+ pylatexenc for LaTeX), write with bibtexparser v2.

The library file (`refs.bib`) is BibTeX too; it keeps refmill's `custom` data in
`refmill-*` fields, which exports leave out.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Iterable

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import Entry, Field
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexencode import unicode_to_latex

from ..errors import Problem
from ..model import Date, Name, Record, normalize_doi, normalize_pages

# CSL type -> BibTeX entry type, and back.
TYPE_TO_BIBTEX = {
    "article-journal": "article",
    "article-magazine": "article",
    "article-newspaper": "article",
    "article": "article",
    "review": "article",
    "book": "book",
    "chapter": "incollection",
    "paper-conference": "inproceedings",
    "thesis": "phdthesis",
    "report": "techreport",
    "manuscript": "unpublished",
}
BIBTEX_TO_TYPE = {
    "article": "article-journal",
    "book": "book",
    "booklet": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "misc": "document",
}

# CSL text field -> BibTeX field, for fields whose name does not depend on the entry type.
PLAIN_FIELDS = {
    "title": "title",
    "collection-title": "series",
    "volume": "volume",
    "edition": "edition",
    "publisher-place": "address",
    "ISBN": "isbn",
    "ISSN": "issn",
    "PMID": "pmid",
    "PMCID": "pmcid",
    "abstract": "abstract",
    "keyword": "keywords",
    "note": "note",
    "container-title-short": "shortjournal",
    "language": "language",
}
VERBATIM_FIELDS = {"doi", "url", "eprint"}  # never LaTeX-escaped
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
CUSTOM_PREFIX = "refmill-"
CUSTOM_TYPES: dict[str, type] = {"line": int, "confidence": float, "truncated": bool}

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIALS_RX = re.compile(r"[\\{}&%$#_~^]")


_LIGATURE_RX = re.compile(r"-(?=-)|`(?=`)|'(?=')")


def escape(text: str, ascii_only: bool = False) -> str:
    """LaTeX-escape text so that it reads back unchanged and can never close its field.

    TeX ligatures are broken up too ("--" -> "-{}-"), since TeX would print a dash.
    """
    if ascii_only:
        # unicode_to_latex escapes the specials itself and spells out non-ASCII letters
        text = unicode_to_latex(text, non_ascii_only=False, unknown_char_warning=False)
    else:
        text = _SPECIALS_RX.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)
    return _LIGATURE_RX.sub(lambda m: m.group(0) + "{}", text)


_PROTECT_RX = re.compile(r"[^\s]+")


def _needs_protection(word: str) -> bool:
    """Acronyms, single capitals and mixed case ("CAR", "T", "CD19", "iPhone", "McDonald")."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return False
    if len(letters) == 1:
        return letters[0].isupper()
    return any(c.isupper() for c in letters[1:])


def protect_title(escaped: str) -> str:
    """Brace acronyms and mixed-case words ({CAR}, {CD19}, {B-ALL}, {T}-cell) so BibTeX
    styles that lower-case titles keep them; ordinary capitalised words stay unbraced."""

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if "\\" in token or "{" in token or "}" in token:
            return token  # already LaTeX (escapes, commands): leave as is
        lead = re.match(r"^[(\[\"'“‘]*", token).group(0)
        trail = re.search(r"[)\]\"'”’.,;:!?]*$", token[len(lead):]).group(0)
        core = token[len(lead): len(token) - len(trail)]
        if not core or (m.start() == 0 and len(core) == 1):
            return token  # "A study of …": a capital that starts the title needs nothing
        parts = core.split("-")
        flags = [_needs_protection(p) for p in parts]
        if all(flags):
            core = f"{{{core}}}"
        elif any(flags):
            core = "-".join(f"{{{p}}}" if flag else p for p, flag in zip(parts, flags))
        return f"{lead}{core}{trail}"

    return _PROTECT_RX.sub(one, escaped)


def _bibtex_name(name: Name, ascii_only: bool) -> str:
    if name.literal:
        return "{" + escape(name.literal, ascii_only) + "}"

    def part(text: str) -> str:
        text = escape(text, ascii_only)
        return "{" + text + "}" if ("," in text or re.search(r"\band\b", text)) else text

    given = " ".join(p for p in (name.given, name.dropping_particle) if p)
    if not given and not name.suffix and " " in name.full_family:
        return "{" + escape(name.full_family, ascii_only) + "}"  # else BibTeX reads "First Last"
    family = part(name.family)
    if name.non_dropping_particle:
        family = f"{escape(name.non_dropping_particle, ascii_only)} {family}"
    pieces = [family]
    if name.suffix:
        pieces.append(part(name.suffix))
    if given:
        pieces.append(part(given))
    if name.suffix and not given:
        pieces.append("")
    return ", ".join(pieces)


def _names_value(people: list[Name], truncated: bool, ascii_only: bool) -> str:
    names = [_bibtex_name(p, ascii_only) for p in people]
    if truncated:
        names.append("others")
    return " and ".join(names)


def _custom_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def record_to_entry(rec: Record, ascii_only: bool = False, with_custom: bool = False) -> Entry:
    """Map one record to a bibtexparser Entry (values already LaTeX-escaped)."""
    kind = TYPE_TO_BIBTEX.get(rec.type, "misc")
    if rec.type == "thesis" and "master" in rec.get("genre").lower():
        kind = "mastersthesis"
    out: list[tuple[str, str]] = []

    def add(key: str, value: str, verbatim: bool = False) -> None:
        if value:
            out.append((key, value if verbatim else escape(value, ascii_only)))

    if rec.author:
        out.append(("author", _names_value(rec.author, rec.truncated, ascii_only)))
    if rec.editor:
        out.append(("editor", _names_value(rec.editor, False, ascii_only)))
    if rec.title:
        out.append(("title", protect_title(escape(rec.title, ascii_only))))
    container = rec.get("container-title")
    if kind == "article":
        add("journal", container)
    elif kind in ("incollection", "inproceedings"):
        add("booktitle", container)
    elif container:
        add("howpublished", container)
    for csl_name, bib_name in PLAIN_FIELDS.items():
        if csl_name != "title":
            add(bib_name, rec.get(csl_name))
    if kind == "article":
        add("number", rec.get("issue") or rec.get("number"))
    else:
        add("number", rec.get("number") or rec.get("issue"))
    if rec.get("page"):  # a range is "--" in BibTeX; escape first so it is not broken up
        out.append(("pages", escape(normalize_pages(rec.get("page")), ascii_only).replace("-", "--")))
    publisher = rec.get("publisher")
    add({"phdthesis": "school", "mastersthesis": "school", "techreport": "institution"}.get(kind, "publisher"), publisher)
    if rec.type in ("thesis", "report") and rec.get("genre"):
        add("type", rec.get("genre"))
    if rec.issued:
        if rec.issued.year:
            out.append(("year", str(rec.issued.year)))
        if rec.issued.month and 1 <= rec.issued.month <= 12:
            out.append(("month", MONTHS[rec.issued.month - 1]))
    if rec.accessed and rec.accessed.year:
        add("urldate", "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(
            x for x in (rec.accessed.year, rec.accessed.month, rec.accessed.day) if x)))
    add("doi", _balanced(rec.doi), verbatim=True)
    add("url", _balanced(rec.get("URL")), verbatim=True)
    arxiv = rec.custom.get("arxiv")
    if arxiv:
        add("eprint", _balanced(str(arxiv)), verbatim=True)
        out.append(("eprinttype", "arxiv"))
    if with_custom:
        for key in sorted(rec.custom):
            if key in ("arxiv", "truncated"):
                continue
            add(CUSTOM_PREFIX + key, _custom_value(rec.custom[key]))
    fields = [Field(k, v, enclosing="no-enclosing" if k == "month" else None) for k, v in out]
    return Entry(kind, rec.id, fields)


def _balanced(text: str) -> str:
    """Verbatim fields keep their text; braces are percent-encoded so they cannot unbalance."""
    return text.replace("{", "%7B").replace("}", "%7D") if text else ""


def write(records: Iterable[Record], ascii_only: bool = False, with_custom: bool = False) -> str:
    """BibTeX text for the records, one entry per record, blank line between entries."""
    library = Library([record_to_entry(r, ascii_only, with_custom) for r in records])
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    text = bibtexparser.write_string(library, bibtex_format=fmt)
    return text.strip() + "\n" if text.strip() else ""


# --- reading -----------------------------------------------------------------------------

# bibtexparser logs each failed block to stderr; refmill reports them itself, with the file
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_DECODER = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


# what pylatexenc reads differently from plain text once a value has LaTeX in it
_LATEX_RX = re.compile(r"[\\$~%&#^_`]|--|''")


def latex_to_text(value: str) -> str:
    """LaTeX accents, commands and {}-protection to plain Unicode."""
    if not re.search(r"[\\{}$~]", value) or not _LATEX_RX.search(value):
        # plain text, at most {}-protected ("{CAR} {T}-cell"): the same result as pylatexenc
        # without its cost, which dominated loading a library (1.5 s per 1,000 entries)
        return re.sub(r"\s+", " ", value.replace("{", "").replace("}", "")).strip()
    value = value.replace(r"\textasciicircum{}", "\ue000")  # pylatexenc would give "ˆ"
    try:
        text = _DECODER.latex_to_text(value).replace("\ue000", "^")
    except Exception:  # pylatexenc raises assorted errors on odd input: keep the text
        text = value.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _read_names(value: str) -> tuple[list[Name], bool]:
    people: list[Name] = []
    truncated = False
    for raw in split_multiple_persons_names(value):
        raw = raw.strip()
        if not raw:
            continue
        if raw.lower() == "others":
            truncated = True
            continue
        if raw.startswith("{") and raw.endswith("}") and raw.count("{") == 1:
            people.append(Name(literal=latex_to_text(raw[1:-1])))
            continue
        parts = parse_single_name_into_parts(raw, strict=False)
        family = latex_to_text(" ".join(parts.last))
        given = latex_to_text(" ".join(parts.first))
        if not family and given:
            family, given = given, ""
        people.append(
            Name(
                family=family,
                given=given,
                non_dropping_particle=latex_to_text(" ".join(parts.von)),
                suffix=latex_to_text(" ".join(parts.jr)),
            )
        )
    return people, truncated


_UNESCAPE_RX = re.compile("|".join(re.escape(v) for v in sorted(_LATEX_SPECIALS.values(), key=len, reverse=True)))
_UNESCAPE = {v: k for k, v in _LATEX_SPECIALS.items()}


def unescape(value: str) -> str:
    """Exact inverse of `escape` (UTF-8 mode); other LaTeX goes through pylatexenc."""
    plain = _UNESCAPE_RX.sub(lambda m: _UNESCAPE[m.group(0)], value)
    if "\\" in _UNESCAPE_RX.sub("", value) or re.search(r"(?<!\\)[{}]", _UNESCAPE_RX.sub("", value)):
        return latex_to_text(value)
    return plain


def _month(value: str) -> int | None:
    value = value.strip().lower()
    if value.isdigit() and 1 <= int(value) <= 12:
        return int(value)
    for i, name in enumerate(MONTHS, 1):
        if value.startswith(name):
            return i
    return None


def _custom_from(key: str, value: str) -> Any:
    kind = CUSTOM_TYPES.get(key)
    try:
        if kind is bool:
            return value.strip().lower() == "true"
        if kind in (int, float):
            return kind(value)
    except ValueError:
        return value
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def entry_to_record(entry: Entry) -> Record:
    """Map one parsed Entry (enclosing removed, strings resolved) to a record."""
    kind = entry.entry_type.lower()
    rec = Record(id=entry.key.strip(), type=BIBTEX_TO_TYPE.get(kind, "document"))
    values: dict[str, str] = {}
    for f in entry.fields:
        if isinstance(f.value, str):
            values.setdefault(f.key.lower(), f.value)

    def text(key: str) -> str:
        raw = values.get(key, "")
        return raw.strip() if key in VERBATIM_FIELDS else latex_to_text(raw)

    if "author" in values:
        rec.author, truncated = _read_names(values["author"])
        if truncated:
            rec.custom["truncated"] = True
    if "editor" in values:
        rec.editor, _ = _read_names(values["editor"])
    for csl_name, bib_name in PLAIN_FIELDS.items():
        rec.set(csl_name, text(bib_name))
    rec.set("container-title", text("journal") or text("journaltitle") or text("booktitle") or text("howpublished"))
    if kind == "article":
        rec.set("issue", text("number") or text("issue"))
    else:
        rec.set("number", text("number"))
        rec.set("issue", text("issue"))
    rec.set("page", normalize_pages(text("pages")))
    rec.set("publisher", text("publisher") or text("school") or text("institution") or text("organization"))
    if kind == "mastersthesis":
        rec.set("genre", text("type") or "Master's thesis")
    elif kind == "phdthesis":
        rec.set("genre", text("type") or "PhD thesis")
    elif rec.type in ("report", "thesis"):
        rec.set("genre", text("type"))
    year = text("year")
    date = text("date")
    if date:
        rec.issued = Date.from_csl({"raw": date})
    elif year:
        rec.issued = Date.from_csl({"raw": year}) or Date(literal=year)
        if rec.issued and rec.issued.year and values.get("month"):
            rec.issued.month = _month(text("month"))
    if values.get("urldate"):
        rec.accessed = Date.from_csl({"raw": text("urldate")})
    rec.set("DOI", normalize_doi(text("doi")) or text("doi"))
    rec.set("URL", text("url"))
    if text("eprint") and text("eprinttype").lower() in ("arxiv", "") and text("archiveprefix").lower() in ("arxiv", ""):
        rec.custom["arxiv"] = text("eprint")
    for key, raw in values.items():
        if key.startswith(CUSTOM_PREFIX):
            name = key[len(CUSTOM_PREFIX):]
            rec.custom[name] = _custom_from(name, unescape(raw))
    return rec


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse BibTeX; failed blocks and duplicate keys become problems with their line."""
    library = bibtexparser.parse_string(text)
    problems: list[Problem] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        reason = type(block).__name__
        if reason == "DuplicateBlockKeyBlock":
            msg = f"duplicate key {getattr(block, 'key', '?')!r}: entry skipped"
        else:
            err = getattr(block, "error", None)
            # bibtexparser's BlockAbortedException keeps its reason apart from str(err)
            reason = str(getattr(err, "abort_reason", "") or err or "").strip()
            msg = f"malformed BibTeX entry skipped ({reason})" if reason else "malformed BibTeX entry skipped"
        problems.append(Problem(source, line, msg))
    records = []
    for entry in library.entries:
        try:
            rec = entry_to_record(entry)
        except Exception as exc:  # one odd entry must not cost the others
            problems.append(Problem(source, (entry.start_line or 0) + 1, f"entry {entry.key!r} skipped: {exc}"))
            continue
        records.append(rec)
    return records, problems
