"""BibTeX and BibLaTeX: read with bibtexparser v2 (+ pylatexenc for LaTeX), write both dialects.

The library file (`refs.bib`) is BibTeX too; it keeps refmill's `custom` data in
`refmill-*` fields, which exports leave out. Fields an entry type cannot hold (by biber's
data model for BibLaTeX) go to `note` as `name: value` lines (see `notes.py`).
"""
from __future__ import annotations

import functools
import json
import logging
import re
from typing import Any, Iterable

import bibtexparser
from bibtexparser.library import Library
from bibtexparser.middlewares.parsestack import default_unparse_stack
from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import Entry, Field
from pylatexenc.latex2text import LatexNodes2Text
from pylatexenc.latexencode import unicode_to_latex

from ..errors import Problem
from ..model import Date, Name, Record, base_key, normalize_doi, normalize_pages, unique_key
from .notes import apply_note, is_article_number, note_with_extras

# refmill names every failed block itself (with file and line); bibtexparser's own log
# lines would repeat them on stderr without the file name.
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
logging.getLogger("bibtexparser").propagate = False

# CSL type -> (BibTeX entry type, BibLaTeX entry type)
ENTRY_TYPES = {
    "article-journal": ("article", "article"),
    "article-magazine": ("article", "article"),
    "article-newspaper": ("article", "article"),
    "book": ("book", "book"),
    "chapter": ("incollection", "incollection"),
    "entry-dictionary": ("incollection", "inreference"),
    "entry-encyclopedia": ("incollection", "inreference"),
    "paper-conference": ("inproceedings", "inproceedings"),
    "thesis": ("phdthesis", "thesis"),
    "report": ("techreport", "report"),
    "manuscript": ("unpublished", "unpublished"),
    "pamphlet": ("booklet", "booklet"),
    "webpage": ("misc", "online"),
    "post-weblog": ("misc", "online"),
    "post": ("misc", "online"),
    "dataset": ("misc", "dataset"),
    "software": ("misc", "software"),
    "patent": ("misc", "patent"),
    "periodical": ("misc", "periodical"),
}
# entry type read -> CSL type (both dialects, plus what other tools write)
READ_TYPES = {
    "article": "article-journal",
    "book": "book",
    "mvbook": "book",
    "bookinbook": "chapter",
    "booklet": "pamphlet",
    "collection": "book",
    "mvcollection": "book",
    "inbook": "chapter",
    "incollection": "chapter",
    "suppbook": "chapter",
    "suppcollection": "chapter",
    "inreference": "entry-encyclopedia",
    "reference": "book",
    "inproceedings": "paper-conference",
    "conference": "paper-conference",
    "proceedings": "book",
    "mvproceedings": "book",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "thesis": "thesis",
    "techreport": "report",
    "report": "report",
    "manual": "report",
    "unpublished": "manuscript",
    "online": "webpage",
    "electronic": "webpage",
    "www": "webpage",
    "dataset": "dataset",
    "software": "software",
    "patent": "patent",
    "periodical": "periodical",
    "misc": "document",
}

# BibLaTeX fields each entry type may hold beyond the global ones (biber's data model);
# the global ones refmill writes (doi, url, urldate, date, abstract, keywords, eprint,
# eprinttype, shorttitle, shortjournal, library) are allowed everywhere.
_BOOKISH = "author editor title chapter edition eid isbn language location note number pages publisher pubstate series volume"
ALLOWED = {
    "article": "author editor title eid issn journaltitle language note number pages pubstate series version volume",
    "book": _BOOKISH + " pagetotal",
    "collection": _BOOKISH.replace("author ", "") + " pagetotal",
    "inbook": _BOOKISH + " booktitle",
    "incollection": _BOOKISH + " booktitle",
    "inreference": _BOOKISH + " booktitle",
    "inproceedings": _BOOKISH.replace(" edition", "") + " booktitle eventtitle organization venue",
    "thesis": "author title chapter eid institution language location note pages pagetotal pubstate type",
    "report": "author title chapter eid institution language location note number pages pagetotal pubstate type version",
    "unpublished": "author title eventtitle howpublished language location note pubstate type venue",
    "online": "author editor title language note organization pubstate version",
    "misc": "author editor title howpublished language location note organization pubstate type version",
    "dataset": "author editor title edition language location note number organization publisher pubstate series type version",
    "software": "author editor title howpublished language location note organization pubstate type version",
    "patent": "author title location note number pubstate type version",
    "periodical": "editor title issn language note number pubstate series volume",
    "booklet": "author editor title chapter eid howpublished language location note pages pagetotal pubstate type",
}
ALLOWED_SETS = {kind: frozenset(fields.split()) for kind, fields in ALLOWED.items()}
# where each entry type keeps its container title, and what its `number` field means
CONTAINER = {"article": "journaltitle", "inbook": "booktitle", "incollection": "booktitle",
             "inreference": "booktitle", "inproceedings": "booktitle", "misc": "howpublished",
             "software": "howpublished", "unpublished": "howpublished", "booklet": "howpublished"}
NUMBER_MEANS = {"article": "issue", "periodical": "issue", "report": "number", "patent": "number",
                "dataset": "number"}  # every other type: the number in its series

# BibLaTeX field -> classic BibTeX field; fields classic BibTeX lacks go to the note
CLASSIC_NAMES = {"journaltitle": "journal", "location": "address"}
CLASSIC_ONLY_NOT = {"eid", "pagetotal", "eventtitle", "venue", "pubstate", "library", "version"}
# output order of fields (the library's order; new fields slot in)
ORDER = """author editor title shorttitle journal journaltitle booktitle howpublished eventtitle venue
series volume edition address location isbn issn pmid pmcid abstract keywords note shortjournal
language chapter number eid pages pagetotal publisher school institution organization type pubstate
version library year month date urldate doi url eprint eprinttype archiveprefix""".split()
_RANK = {name: i for i, name in enumerate(ORDER)}

# biblatex's `type` keys, printed localised; techreport is what a report is anyway
BIBLATEX_TYPE_KEYS = {"phdthesis": "PhD thesis", "mathesis": "Master's thesis", "mastersthesis": "Master's thesis",
                      "candthesis": "Candidate thesis", "techreport": "", "resreport": "Research report"}
VERBATIM_FIELDS = {"doi", "url", "eprint", "file", "pdf"}  # never LaTeX-escaped
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
CUSTOM_PREFIX = "refmill-"
CUSTOM_TYPES: dict[str, type] = {"line": int, "confidence": float, "truncated": bool}

# journal macros of the AAS/ADS journals (`journal = {\apj}`): BibTeX files from NASA ADS
# use them and they are defined only in the AAS LaTeX classes.
JOURNAL_MACROS = {
    "aj": "AJ", "actaa": "Acta Astron.", "araa": "ARA&A", "apj": "ApJ", "apjl": "ApJ", "apjs": "ApJS",
    "ao": "Appl. Opt.", "apss": "Ap&SS", "aap": "A&A", "aapr": "A&A Rev.", "aaps": "A&AS",
    "azh": "AZh", "baas": "BAAS", "icarus": "Icarus", "jcap": "JCAP", "jgr": "J. Geophys. Res.",
    "mnras": "MNRAS", "memras": "MmRAS", "na": "New A", "nar": "New A Rev.", "nat": "Nature",
    "pasa": "PASA", "pasj": "PASJ", "pasp": "PASP", "physrep": "Phys. Rep.", "physscr": "Phys. Scr",
    "planss": "Planet. Space Sci.", "pra": "Phys. Rev. A", "prb": "Phys. Rev. B", "prc": "Phys. Rev. C",
    "prd": "Phys. Rev. D", "pre": "Phys. Rev. E", "prl": "Phys. Rev. Lett.", "procspie": "Proc. SPIE",
    "qjras": "QJRAS", "sci": "Science", "solphys": "Sol. Phys.", "ssr": "Space Sci. Rev.",
}

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_SPECIALS_RX = re.compile(r"[\\{}&%$#_~^]")
_LIGATURE_RX = re.compile(r"-(?=-)|`(?=`)|'(?=')|[!?](?=`)")
# inline math kept as math: "$x^2$", "$\alpha$", "$n$" (not "$5 to $10")
_MATH_RX = re.compile(r"\$([^$\s](?:[^$]*?[^$\s])?)\$")


def _is_math(body: str) -> bool:
    return bool(re.search(r"[\\^_{}]", body)) or bool(re.fullmatch(r"[A-Za-z]", body))


def escape(text: str, ascii_only: bool = False) -> str:
    """LaTeX-escape text so that it reads back unchanged and can never close its field.

    Inline math (`$x^2$`) stays math. TeX ligatures are broken up ("--" -> "-{}-"),
    since TeX would print a dash.
    """
    out, last = [], 0
    for m in _MATH_RX.finditer(text):
        if _is_math(m.group(1)) and m.group(1).count("{") == m.group(1).count("}"):
            out.append(_escape_text(text[last:m.start()], ascii_only))
            out.append(m.group(0))
            last = m.end()
    out.append(_escape_text(text[last:], ascii_only))
    return "".join(out)


def _escape_text(text: str, ascii_only: bool) -> str:
    text = _SPECIALS_RX.sub(lambda m: _LATEX_SPECIALS[m.group(0)], text)
    if ascii_only:
        text = "".join(c if c.isascii() else _latex_char(c) for c in text)
    return _LIGATURE_RX.sub(lambda m: m.group(0) + "{}", text)


@functools.lru_cache(maxsize=4096)
def _latex_char(char: str) -> str:
    """A non-ASCII character in LaTeX (é -> \\'e, ß -> {\\ss}), or itself where LaTeX has
    no command that reads back as the same character (Greek omicron, CJK)."""
    latex = unicode_to_latex(char, non_ascii_only=True, unknown_char_warning=False)
    if latex.startswith("\\"):
        latex = "{" + latex + "}"  # {\~n}: BibTeX's form, which name splitting leaves whole
    return latex if latex != char and latex_to_text(latex) == char else char


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
    return _PROTECT_RX.sub(lambda m: _protect_word(m.group(0), m.start() == 0), escaped)


_LEAD_RX = re.compile(r"^[(\[\"'“‘]*")
_TRAIL_RX = re.compile(r"[)\]\"'”’.,;:!?]*$")


@functools.lru_cache(maxsize=65536)
def _protect_word(token: str, first: bool) -> str:
    if token == token.lower() or "\\" in token or "{" in token or "}" in token or "$" in token:
        return token  # no capital to keep, or already LaTeX (escapes, commands, math)
    lead = _LEAD_RX.match(token).group(0)
    trail = _TRAIL_RX.search(token, len(lead)).group(0)
    core = token[len(lead): len(token) - len(trail)]
    if not core or (first and len(core) == 1):
        return token  # "A study of …": a capital that starts the title needs nothing
    parts = core.split("-")
    flags = [_needs_protection(p) for p in parts]
    if all(flags):
        core = f"{{{core}}}"
    elif any(flags):
        core = "-".join(f"{{{p}}}" if flag else p for p, flag in zip(parts, flags))
    return f"{lead}{core}{trail}"


# --- writing -------------------------------------------------------------------------------


_ACCENT_COMMAND_RX = re.compile(r"\\[`'^\"~=.uvHcdbk]")
_AND_WORD_RX = re.compile(r"\band\b", re.IGNORECASE)


def _bibtex_name(name: Name, ascii_only: bool) -> str:
    if name.literal:
        return "{" + escape(name.literal, ascii_only) + "}"

    def part(text: str) -> str:
        text = escape(text, ascii_only)
        if text.startswith("\\") and not _ACCENT_COMMAND_RX.match(text):
            return "{{" + text + "}}"  # "\ensuremath{\Pi}…": a command BibTeX would take for "von"
        return "{" + text + "}" if ("," in text or _AND_WORD_RX.search(text)) else text

    given = " ".join(p for p in (name.given, name.dropping_particle) if p)
    if not given and not name.suffix and " " in name.full_family:
        return "{" + escape(name.full_family, ascii_only) + "}"  # else BibTeX reads "First Last"
    family = part(name.family)
    if any(word[:1].islower() for word in name.family.split()) and not family.startswith("{"):
        family = "{" + family + "}"  # "della Rovere", "dos Santos": BibTeX would split a "von" part
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


def _date_value(date: Date) -> str:
    parts = [f"{date.year:04d}" if date.year >= 0 else str(date.year)]
    if date.month and 1 <= date.month <= 12:
        parts.append(f"{date.month:02d}")
        if date.day:
            parts.append(f"{date.day:02d}")
    return "-".join(parts)


def entry_type(rec: Record, biblatex: bool) -> str:
    """The entry type a record is written as, in either dialect."""
    classic, modern = ENTRY_TYPES.get(rec.type, ("misc", "misc"))
    if not biblatex and classic == "phdthesis" and "master" in rec.get("genre").lower():
        return "mastersthesis"
    if modern == "book" and rec.editor and not rec.author:
        modern = "collection"  # biblatex's edited volume (a @book must have an author)
    return modern if biblatex else classic


def _fields(rec: Record, kind: str) -> list[tuple[str, Any, str]]:
    """BibLaTeX (field, value, CSL name) triples for a record of entry type `kind`.

    Values are plain text (escaped later), except names (lists) and dates (`Date`). What
    the type cannot hold is left out; the caller puts it in the note.
    """
    allowed = ALLOWED_SETS.get(kind, ALLOWED_SETS["misc"]) | _GLOBAL
    out: list[tuple[str, Any, str]] = []

    def put(field: str, csl: str, value: Any = None) -> bool:
        value = rec.get(csl) if value is None else value
        if not value or field not in allowed or any(f == field for f, _, _ in out):
            return False
        out.append((field, value, csl))
        return True

    put("author", "author", rec.author)
    put("editor", "editor", rec.editor)
    put("title", "title")
    put("shorttitle", "title-short")
    if kind in CONTAINER:
        put(CONTAINER[kind], "container-title")
    put("shortjournal", "container-title-short")
    put("eventtitle", "event-title")
    put("venue", "event-place")
    put("series", "collection-title")
    put("volume", "volume")
    put("edition", "edition")
    put("location", "publisher-place")
    put("isbn", "ISBN")
    put("issn", "ISSN")
    put("abstract", "abstract")
    put("keywords", "keyword")
    put("language", "language")
    put("chapter", "chapter-number")
    put("number", NUMBER_MEANS.get(kind, "collection-number"))
    page = normalize_pages(rec.get("page"))
    if kind == "article" and is_article_number(page):
        put("eid", "page", page)
    else:
        put("pages", "page", page)
        if kind == "article" and page:
            put("eid", "number")  # beside pages; alone it would read back as the page
    put("pagetotal", "number-of-pages")
    for field in ("publisher", "institution", "organization"):
        if put(field, "publisher"):
            break
    if not put("type", "genre") and kind in ("report", "thesis"):
        out.append(("type", "techreport" if kind == "report" else "phdthesis", ""))  # biblatex requires it
    put("pubstate", "status")
    put("version", "version")
    put("library", "archive")
    if rec.issued and rec.issued.year is not None:
        put("date", "issued", rec.issued)
    if rec.accessed and rec.accessed.year is not None:
        put("urldate", "accessed", rec.accessed)
    put("doi", "DOI")
    put("url", "URL")
    return out


_GLOBAL = frozenset("abstract date doi keywords library shortjournal shorttitle url urldate".split())


def _classic(rec: Record, kind: str, triples: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """BibLaTeX triples in classic BibTeX: renamed, and BibLaTeX-only fields left out."""
    out = []
    for field, value, csl in triples:
        if field == "eid" and csl == "page":
            field = "pages"  # classic BibTeX keeps article numbers in pages
        elif field in CLASSIC_ONLY_NOT or not csl:  # not csl: biblatex's required `type` key
            continue
        elif field == "institution" and kind in ("phdthesis", "mastersthesis"):
            field = "school"
        out.append((CLASSIC_NAMES.get(field, field), value, csl))
    if rec.issued and rec.issued.year is None and rec.issued.literal:
        out.append(("year", rec.issued.literal, "issued"))  # "in press": BibTeX styles print it
    for csl, field in (("PMID", "pmid"), ("PMCID", "pmcid")):
        if rec.get(csl):
            out.append((field, rec.get(csl), csl))
    return out


def record_to_entry(rec: Record, ascii_only: bool = False, with_custom: bool = False, biblatex: bool = False) -> Entry:
    """Map one record to a bibtexparser Entry (values already LaTeX-escaped)."""
    kind = entry_type(rec, biblatex)
    triples = _fields(rec, entry_type(rec, biblatex=True))
    arxiv = str(rec.custom.get("arxiv") or "")
    if biblatex and not arxiv and rec.get("PMID"):
        triples.append(("eprint", rec.get("PMID"), "PMID"))
        triples.append(("eprinttype", "pubmed", "PMID"))
    if not biblatex:
        triples = _classic(rec, kind, triples)
    carried = {csl for _, _, csl in triples} | {"arxiv", "citation-key", "truncated"}
    type_carried = READ_TYPES.get(kind, "document") == rec.type
    note = note_with_extras(rec, carried, type_carried)
    pairs = [(field, value) for field, value, _ in triples]
    if note:
        pairs.append(("note", note))
    if arxiv:
        pairs.append(("eprint", arxiv))
        pairs.append(("eprinttype", "arxiv") if biblatex else ("archiveprefix", "arXiv"))
    pairs.sort(key=lambda p: _RANK.get(p[0], len(ORDER)))

    out: list[Field] = []
    for field, value in pairs:
        if field in ("author", "editor"):
            text = _names_value(value, field == "author" and rec.truncated, ascii_only)
        elif isinstance(value, Date) and field == "date" and not biblatex:
            out.append(Field("year", str(value.year)))
            if value.month and 1 <= value.month <= 12:
                out.append(Field("month", MONTHS[value.month - 1], enclosing="no-enclosing"))
                if value.day:
                    out.append(Field("day", str(value.day)))  # BibTeX has no day; biber, JabRef read it
            continue
        elif isinstance(value, Date):
            text = _date_value(value)
        elif field in VERBATIM_FIELDS:
            text = _balanced(str(value))
        elif field == "title":
            text = protect_title(escape(value, ascii_only))
        elif field == "pages":
            text = escape(value, ascii_only).replace("-", "--")  # escape first so "--" stays a range
        else:
            text = escape(str(value), ascii_only)
        out.append(Field(field, text))
    if with_custom:
        for key in sorted(rec.custom):
            if key not in ("arxiv", "truncated") and _custom_value(rec.custom[key]):
                out.append(Field(CUSTOM_PREFIX + key, escape(_custom_value(rec.custom[key]), ascii_only)))
    return Entry(kind, rec.id, out)


def _balanced(text: str) -> str:
    """Verbatim fields keep their text; braces are percent-encoded so they cannot unbalance."""
    return text.replace("{", "%7B").replace("}", "%7D") if text else ""


def write(records: Iterable[Record], ascii_only: bool = False, with_custom: bool = False,
          biblatex: bool = False) -> str:
    """BibTeX (or BibLaTeX) text for the records, one entry per record, blank line between.

    Keys are unique in the output: a record without one gets a readable key, a key met
    twice (files from Mendeley have them) gets `a`, `b`, … as on import."""
    entries, taken, counters = [], set(), {}
    for rec in records:
        entry = record_to_entry(rec, ascii_only, with_custom, biblatex)
        entry.key = unique_key(rec.id.strip() or base_key(rec), taken, counters)
        taken.add(entry.key)
        entries.append(entry)
    library = Library(entries)
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # the entries were made for this call alone: the writer may enclose their values in place
    # instead of deep-copying the library first (about a seventh of the time for 4,000 entries)
    text = bibtexparser.write_string(library, unparse_stack=default_unparse_stack(allow_inplace_modification=True),
                                     bibtex_format=fmt)
    return text.strip() + "\n" if text.strip() else ""


def write_biblatex(records: Iterable[Record], ascii_only: bool = False) -> str:
    """BibLaTeX for biber: `journaltitle`, `date`, `eid` for article numbers, `eprint`."""
    return write(records, ascii_only=ascii_only, biblatex=True)


# --- reading -------------------------------------------------------------------------------

# bibtexparser logs each failed block to stderr; refmill reports them itself, with the file
logging.getLogger("bibtexparser").setLevel(logging.ERROR)

_DECODER = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)
_PLACEHOLDERS = (r"\textasciicircum{}", r"\textbraceleft{}", r"\textbraceright{}")
_ADS_RX = re.compile(r"^\\(" + "|".join(sorted(JOURNAL_MACROS, key=len, reverse=True)) + r")\b\s*$")


_SIMPLE_RX = re.compile(r"\\(?:[%&_#$]|textbackslash\{\}|textasciitilde\{\}|textasciicircum\{\}|textbrace(?:left|right)\{\}|[{}])")


def _simple(match: re.Match[str]) -> str:
    text = match.group(0)
    return chr(0xE100 + "%&_#${}".index(text[1])) if len(text) == 2 else chr(0xE110 + _PLACEHOLDERS_ALL.index(text))


_PLACEHOLDERS_ALL = (r"\textbackslash{}", r"\textasciitilde{}", r"\textasciicircum{}", r"\textbraceleft{}", r"\textbraceright{}")
_RESTORE = {**{chr(0xE100 + i): c for i, c in enumerate("%&_#${}")},
            **{chr(0xE110 + i): c for i, c in enumerate("\\~^{}")}}


_TEX_LIGATURES = re.compile(r"---|--|``|''|!`|\?`")
_LIGATURE_CHARS = {"---": "—", "--": "–", "``": "“", "''": "”", "!`": "¡", "?`": "¿"}


def _ligatures(text: str) -> str:
    """TeX's input ligatures, as TeX prints them ("--" is an en dash); "-{}-" stays "--"."""
    return _TEX_LIGATURES.sub(lambda m: _LIGATURE_CHARS[m.group(0)], text)


_LATEX_CHARS_RX = re.compile(r"[\\{}$~]")
_SPACES_RX = re.compile(r"\s+")


def latex_to_text(value: str) -> str:
    """LaTeX accents, commands and {}-protection to plain Unicode."""
    if not _LATEX_CHARS_RX.search(value):
        return _SPACES_RX.sub(" ", _ligatures(value)).strip()
    marked = _SIMPLE_RX.sub(_simple, value)
    if "\\" not in marked and "$" not in marked:
        # only braces, ties and escaped specials (refmill's own output): no need for pylatexenc,
        # which takes a millisecond per field
        text = _ligatures(marked).replace("{", "").replace("}", "").replace("~", " ")
        text = "".join(_RESTORE.get(c, c) for c in text)
        return _SPACES_RX.sub(" ", text).strip()
    for i, command in enumerate(_PLACEHOLDERS):  # commands pylatexenc gets wrong or lacks
        value = value.replace(command, chr(0xE000 + i))
    value = re.sub(r"\\-", "", value)  # discretionary hyphens
    try:
        text = _DECODER.latex_to_text(value)
    except Exception:  # pylatexenc raises assorted errors on odd input: keep the text
        text = value.replace("{", "").replace("}", "")
    for i, command in enumerate(_PLACEHOLDERS):
        text = text.replace(chr(0xE000 + i), _UNESCAPE[command])
    return re.sub(r"\s+", " ", text).strip()


def _read_names(value: str) -> tuple[list[Name], bool]:
    people: list[Name] = []
    truncated = False
    for raw in split_multiple_persons_names(re.sub(r"\s+", " ", value)):
        raw = raw.strip()
        if not raw:
            continue
        if raw.lower() == "others":
            truncated = True
            continue
        inner = raw[1:-1] if raw.startswith("{") and raw.endswith("}") else ""
        if inner and _balanced_braces(inner):
            while inner.startswith("{") and inner.endswith("}") and _balanced_braces(inner[1:-1]):
                inner = inner[1:-1]  # Better BibTeX writes {{东方不败}}
            people.append(Name(literal=latex_to_text(inner)))
            continue
        family, given, von, jr = _name_parts(raw)
        people.append(Name(family=family, given=given, non_dropping_particle=von, suffix=jr))
    return people, truncated


_NAME_SPECIALS_RX = re.compile(r"[\\{}~]|[^\S ]")  # braces, commands, ties, other whitespace


@functools.lru_cache(maxsize=1 << 16)  # the same people recur across a library
def _name_parts(raw: str) -> tuple[str, str, str, str]:
    """(family, given, particle, suffix) of one BibTeX name, LaTeX decoded."""
    family, comma, given = raw.partition(",")
    if comma and "," not in given and given.strip() and len(family.split()) == 1 and not _NAME_SPECIALS_RX.search(raw):
        # "Family, Given": what bibtexparser gives for it, without its character-by-character loop
        return latex_to_text(family.strip()), latex_to_text(" ".join(given.split())), "", ""
    parts = parse_single_name_into_parts(raw, strict=False)
    family = latex_to_text(" ".join(parts.last))
    given = latex_to_text(" ".join(parts.first))
    if not family and given:
        family, given = given, ""
    return family, given, latex_to_text(" ".join(parts.von)), latex_to_text(" ".join(parts.jr))


def _balanced_braces(text: str) -> bool:
    depth = 0
    for c in text:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


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


def _date(text: str) -> Date | None:
    """BibLaTeX `date`: ISO 8601 / EDTF ("2013-10-30T11:20:51-07:00", "2019/2020", "2019-04~")."""
    text = text.strip()
    m = re.match(r"(-?\d{1,4})(?:-(\d\d)(?:-(\d\d))?)?(?=$|[T/~?\s])", text)
    if m and m.group(1).lstrip("-"):
        year, month, day = (int(g) if g else None for g in m.groups())
        if month and not 1 <= month <= 12:
            month = day = None  # EDTF seasons (21-24) are not months
        return Date(year, month, day)
    return Date.from_csl({"raw": text}) if text else None


def split_value(raw: str) -> list[str]:
    """A raw BibTeX value split at top-level `#` into its pieces ({…}, "…", numbers, macros)."""
    if "#" not in raw:  # most values: one piece (this loop runs for every field of a library)
        return [raw.strip()]
    parts, depth, quoted, start = [], 0, False, 0
    for i, c in enumerate(raw):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == '"' and depth == 0 and (i == 0 or raw[i - 1] != "\\"):
            quoted = not quoted
        elif c == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i].strip())
            start = i + 1
    parts.append(raw[start:].strip())
    return parts


_NEXT_FIELD_RX = re.compile(r"([A-Za-z][\w:-]*)\s*=")


def _missing_comma(raw: str) -> str | None:
    """The field name that follows a missing comma ("{one} year={2020}" -> "year"), else None.

    An `=` outside braces and quotes cannot be part of a value: the comma before it is lost.
    """
    if "=" not in raw:  # most values: nothing to walk through
        return None
    depth, quoted = 0, False
    for i, ch in enumerate(raw):
        if ch == "\\":
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "=" and depth == 0 and not quoted:
            m = None
            for m in _NEXT_FIELD_RX.finditer(raw[:i + 1]):
                pass
            return m.group(1) if m else "="
    return None


def resolve(raw: str, strings: dict[str, str]) -> str:
    """A raw value with enclosing braces/quotes removed and macros (@string, months) expanded."""
    out = []
    for piece in split_value(raw):
        if len(piece) >= 2 and piece[0] == "{" and piece[-1] == "}":
            out.append(piece[1:-1])
        elif len(piece) >= 2 and piece[0] == '"' and piece[-1] == '"':
            out.append(piece[1:-1])
        elif piece.lower() in strings:
            out.append(strings[piece.lower()])
        elif piece.lower()[:3] in MONTHS and len(piece) == 3:
            out.append(MONTH_NAMES[MONTHS.index(piece.lower())])
        else:
            out.append(piece)  # a number, or a macro nobody defined: BibTeX keeps the name too
    return "".join(out)


def entry_to_record(entry: Entry, values: dict[str, str] | None = None) -> Record:
    """Map one parsed Entry to a record; `values` are its resolved fields by lower-case name."""
    kind = entry.entry_type.lower()
    rec = Record(id=entry.key.strip(), type=READ_TYPES.get(kind, "document"))
    if values is None:
        values = {}
        for f in entry.fields:
            if isinstance(f.value, str):
                values.setdefault(f.key.lower(), f.value)
    # what `number` means depends on the type, which a `type: …` note line may correct
    said = re.search(r"^\s*type:\s*(\S+)\s*$", values.get("note", ""), re.MULTILINE | re.IGNORECASE)
    modern = ENTRY_TYPES.get(said.group(1) if said else rec.type, ("", kind))[1]

    decoded: dict[str, str] = {}

    def text(key: str) -> str:
        if key not in values:
            return ""
        if key not in decoded:
            raw = values[key]
            if key in VERBATIM_FIELDS:
                decoded[key] = re.sub(r"\s+", "", raw) if key in ("url", "doi") else raw.strip()
            else:
                decoded[key] = latex_to_text(raw)
        return decoded[key]

    def joined(main: str, sub: str) -> str:
        return ": ".join(p for p in (text(main), text(sub)) if p)

    if "author" in values:
        rec.author, truncated = _read_names(values["author"])
        if truncated:
            rec.custom["truncated"] = True
    if "editor" in values:
        rec.editor, _ = _read_names(values["editor"])
    rec.set("title", joined("title", "subtitle"))
    rec.set("title-short", text("shorttitle"))
    journal = values.get("journal") or values.get("journaltitle") or ""
    macro = _ADS_RX.match(journal.strip())
    container = JOURNAL_MACROS[macro.group(1)] if macro else (text("journal") or joined("journaltitle", "journalsubtitle"))
    rec.set("container-title", container or joined("booktitle", "booksubtitle") or (text("howpublished") if "\\url" not in values.get("howpublished", "") else ""))
    rec.set("container-title-short", text("shortjournal") or text("journal-iso") or text("abbrev_source_title"))
    rec.set("event-title", text("eventtitle"))
    rec.set("event-place", text("venue"))
    rec.set("collection-title", text("series"))
    rec.set("volume", text("volume"))
    rec.set("edition", text("edition"))
    rec.set("publisher-place", text("location") or text("address"))
    rec.set("ISBN", re.sub(r"^ISBN[:\s]*", "", text("isbn"), flags=re.IGNORECASE))
    rec.set("ISSN", text("issn"))
    rec.set("abstract", text("abstract"))
    rec.set("keyword", text("keywords") or text("author_keywords"))
    rec.set("language", text("language") or text("langid"))
    rec.set("chapter-number", text("chapter"))
    number = text("number")
    means = NUMBER_MEANS.get(modern, "collection-number")
    if means == "issue":
        rec.set("issue", number or text("issue"))
    else:
        rec.set(means, number)
        rec.set("issue", text("issue"))
    pages = normalize_pages(text("pages"))
    if pages.lower() in ("no pagination specified", "no pagination specified-no pagination specified"):
        pages = ""  # Mendeley's placeholder
    rec.set("page", pages or text("eid"))
    if pages and text("eid"):
        rec.set("number", text("eid"))
    rec.set("number-of-pages", text("pagetotal") or text("numpages"))
    rec.set("publisher", text("publisher") or text("school") or text("institution") or text("organization"))
    rec.set("status", text("pubstate"))
    rec.set("version", text("version"))
    rec.set("archive", text("library"))
    genre = BIBLATEX_TYPE_KEYS.get(text("type").lower(), text("type"))  # biblatex's localised keys
    if kind == "mastersthesis":
        rec.set("genre", genre or "Master's thesis")
    elif kind == "phdthesis":
        rec.set("genre", genre or "PhD thesis")
    else:
        rec.set("genre", genre)
    if text("date"):
        rec.issued = _date(text("date"))
    elif text("year"):
        year = text("year")
        rec.issued = Date.from_csl({"raw": year}) or Date(literal=year)
        if rec.issued and rec.issued.year and values.get("month"):
            rec.issued.month = _month(text("month"))
            day = re.search(r"\b(\d{1,2})\b", text("month")) if not text("month").isdigit() else None
            day_text = text("day") or (day.group(1) if day else "")  # Web of Science: "OCT 1"
            if rec.issued.month and day_text.isdigit() and 1 <= int(day_text) <= 31:
                rec.issued.day = int(day_text)
    if text("urldate"):
        rec.accessed = _date(text("urldate"))
    doi = text("doi")
    rec.set("DOI", normalize_doi(doi) or doi)
    url = text("url")
    rec.set("URL", url)
    eprint, eprinttype = text("eprint"), (text("eprinttype") or text("archiveprefix")).lower()
    if eprint and eprinttype == "pubmed":
        rec.set("PMID", eprint)
    elif eprint and eprinttype in ("pmcid", "pmc"):
        rec.set("PMCID", eprint)
    elif eprint and (eprinttype == "arxiv" or (not eprinttype and re.fullmatch(r"(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?", eprint))):
        rec.custom["arxiv"] = eprint
    elif eprint.startswith("http") and not rec.get("URL"):
        rec.set("URL", eprint)
    rec.set("PMID", rec.get("PMID") or text("pmid"))
    rec.set("PMCID", rec.get("PMCID") or text("pmcid"))
    if not rec.doi and rec.get("URL"):
        rec.set("DOI", normalize_doi(rec.get("URL")) if "doi.org/" in rec.get("URL") else "")
    note_raw = values.get("note", "")
    if note_raw:
        apply_note(rec, "\n".join(latex_to_text(line) for line in note_raw.splitlines()))
    for key, raw in values.items():
        if key.startswith(CUSTOM_PREFIX):
            name = key[len(CUSTOM_PREFIX):]
            rec.custom[name] = _custom_from(name, unescape(raw))
    return rec


_INHERIT_TITLE = {"book": "booktitle", "mvbook": "maintitle", "collection": "booktitle", "mvcollection": "maintitle",
                  "proceedings": "booktitle", "mvproceedings": "maintitle", "reference": "booktitle",
                  "periodical": "journaltitle"}
_NO_INHERIT = {"ids", "crossref", "xref", "xdata", "entryset", "label", "shorthand", "sortkey"}


def _inherit(values: dict[str, str], parent: dict[str, str], parent_type: str, whole: bool) -> None:
    """BibTeX `crossref` / BibLaTeX `xdata`: the child gets the parent's fields it lacks;
    a parent's title becomes the child's booktitle (journaltitle for a periodical)."""
    for key, value in parent.items():
        if key in _NO_INHERIT or key.startswith(CUSTOM_PREFIX):
            continue
        if not whole and key in ("title", "subtitle", "shorttitle"):
            target = _INHERIT_TITLE.get(parent_type, "booktitle")
            key = {"title": target, "subtitle": target.replace("title", "subtitle")}.get(key, "")
            if not key:
                continue
        values.setdefault(key, value)


_NO_KEY_RX = re.compile(r"(@\s*(?!string|preamble|comment)[A-Za-z_]\w*\s*[{(])(\s*)(?=,|[A-Za-z][\w-]*\s*=)", re.IGNORECASE)


def read(text: str, source: str) -> tuple[list[Record], list[Problem]]:
    """Parse BibTeX or BibLaTeX; failed blocks become problems with their line.

    @string macros and `#` concatenation are expanded, `crossref` and `xdata` parents
    lend their fields, entries without a key (EndNote, Mendeley) are read with none, and
    an entry with a repeated field (Web of Science) keeps the first value.
    """
    counter = iter(range(1, 1 << 30))
    text = _NO_KEY_RX.sub(lambda m: f"{m.group(1)}{m.group(2)}refmill-nokey-{next(counter)}"
                          + ("" if m.string.startswith(",", m.end()) else ","), text)
    library = bibtexparser.parse_string(text, parse_stack=[])
    problems: list[Problem] = []
    entries: list[Entry] = list(library.entries)
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        kind = type(block).__name__
        recovered = getattr(block, "ignore_error_block", None)
        if kind in ("DuplicateFieldKeyBlock", "DuplicateBlockKeyBlock") and isinstance(recovered, Entry):
            entries.append(recovered)  # repeated field (first value kept) or repeated key
            if kind == "DuplicateBlockKeyBlock":
                problems.append(Problem(source, line, f"duplicate key {recovered.key!r}: read as another entry under a new key",
                                        skipped=False))
            continue
        err = getattr(block, "error", None)
        # bibtexparser's BlockAbortedException keeps its reason apart from str(err)
        reason = str(getattr(err, "abort_reason", "") or err or "").strip()
        msg = f"malformed BibTeX entry skipped ({reason})" if reason else "malformed BibTeX entry skipped"
        problems.append(Problem(source, line, msg))
    entries.sort(key=lambda e: e.start_line or 0)
    strings = {s.key.lower(): resolve(s.value, {}) for s in library.strings}
    for s in library.strings:  # strings may use earlier strings
        strings[s.key.lower()] = resolve(s.value, strings)
    resolved = []
    for entry in list(entries):
        values: dict[str, str] = {}
        for f in entry.fields:
            if isinstance(f.value, str):
                follower = _missing_comma(f.value)
                if follower:
                    problems.append(Problem(source, (f.start_line or entry.start_line or 0) + 1,
                                            f"entry {entry.key!r}: missing comma before {follower!r}; entry skipped"))
                    break
                values.setdefault(f.key.lower(), resolve(f.value, strings))
        else:
            resolved.append(values)
            continue
        entries.remove(entry)
    by_key = {e.key.lower(): (e, v) for e, v in zip(entries, resolved)}
    for entry, values in zip(entries, resolved):
        for field, whole in (("xdata", True), ("crossref", False)):
            for parent_key in filter(None, (k.strip().lower() for k in values.get(field, "").split(","))):
                if parent_key in by_key and by_key[parent_key][0] is not entry:
                    parent, parent_values = by_key[parent_key]
                    _inherit(values, parent_values, parent.entry_type.lower(), whole)
                else:
                    problems.append(Problem(source, (entry.start_line or 0) + 1,
                                            f"entry {entry.key!r}: {field} {parent_key!r} is not in the file; read without it"))
    records = []
    for entry, values in zip(entries, resolved):
        try:
            rec = entry_to_record(entry, values)
        except Exception as exc:  # one odd entry must not cost the others
            problems.append(Problem(source, (entry.start_line or 0) + 1, f"entry {entry.key!r} skipped: {exc}"))
            continue
        if rec.id.startswith("refmill-nokey-"):
            rec.id = ""
        records.append(rec)
    return records, problems
