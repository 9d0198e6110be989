"""Clean-up before splitting: Unicode normalisation, markup, and the page's chrome.

Chrome is what a journal page pastes along with its references: link labels ("Google
Scholar", "[PubMed]", "Crossref", "Scopus (123)", "View in Article"), back-links ("↑", "^"),
paywall and account text. A line that is only chrome is dropped (`is_chrome`); chrome inside
a reference line is cut (`strip_chrome`). Link labels are cut only where pages put them (in
brackets, in a run of labels, or at the end of the line), so a title about the CAS registry
or a journal called "Article" keeps its words.
"""
from __future__ import annotations

import html
import re
import unicodedata

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"),
    None,
)
_SPACES = {ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\x0b\x0c"}
# hyphen look-alikes become "-"; en and em dashes stay (page ranges unify them later)
_HYPHENS = {ord(c): "-" for c in "\u2010\u2011\u2212\ufe63\uff0d"}
_QUOTES = {ord("\u201f"): "\u201c", ord("\u201b"): "\u2018", ord("\u2033"): '"', ord("\uff02"): '"', ord("\uff07"): "'"}
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
# a combining mark pasted after a space ("Bjo ̈rklund" from a PDF) belongs to the letter before
_DETACHED_MARK_RX = re.compile(r" (?<=[^\W\d_] )([\u0300-\u036f])")
_LATEX_QUOTES_RX = re.compile(r"``(.*?)''")
_MARKUP_RX = re.compile(
    r"</?(?:i|b|em|strong|u|sup|sub|sc|span|italic|bold|small|smallcaps|title|jats:[a-z-]+)(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


_TABLE = {**_INVISIBLE, **_SPACES, **_HYPHENS, **_QUOTES, **{ord(k): v for k, v in _LIGATURES.items()}}
# the characters to replace are rare: finding them is much faster than translating every one
_TABLE_RX = re.compile("[" + "".join(map(chr, _TABLE)) + "]")
_NEWLINES_RX = re.compile("\r\n?|[\u2028\u2029]")


def normalize_unicode(text: str) -> str:
    """NFC; no zero-width or direction marks, soft hyphens or ligatures; plain spaces and
    hyphens; detached accents re-attached; \\n line ends."""
    text = _NEWLINES_RX.sub("\n", text)
    if text.isascii():  # most lines: only tabs and LaTeX quotes to see to
        if "\t" in text or "\x0b" in text or "\x0c" in text:
            text = text.translate(_SPACES)
        return _LATEX_QUOTES_RX.sub("\u201c\\1\u201d", text) if "``" in text else text
    text = _TABLE_RX.sub(lambda m: m.group().translate(_TABLE), text)
    text = _DETACHED_MARK_RX.sub(r"\1", text)
    if "``" in text:
        text = _LATEX_QUOTES_RX.sub("\u201c\\1\u201d", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def strip_markup(text: str) -> str:
    """Inline markup pasted from HTML or JATS ("<italic>Blood</italic>", "&amp;") -> text."""
    if "<" in text:
        text = _MARKUP_RX.sub("", text)
    if "&" in text and re.search(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", text, re.IGNORECASE):
        text = html.unescape(text)
    return text


# --- chrome ---------------------------------------------------------------------------------

# Link labels that pages print next to each reference. Each may be cut from a line's end or
# from a run of labels; a line made only of them is chrome.
_LABELS = [
    r"Google Scholar",
    r"Cross[Rr]ef Full Text",
    r"Cross[Rr]ef",
    r"PubMed/NCBI",
    r"PubMed Abstract",
    r"PubMed(?: Central)?",
    r"WorldCat",
    r"ISI",
    r"ACS Full Text ?",
    r"PMC(?: free article)?",
    r"Scopus(?: \(\d+\))?",
    r"View in Article",
    r"Web of Science ?®?",
    r"Taylor (?:&|and) Francis Online",
    r"Wiley Online Library",
    r"Digital Library",
    r"Cross Ref",
    r"Show in Context",
    r"Full Text: PDF \([\d.]+ ?[KM]B\)",
    r"NASA ADS",
    r"INSPIRE",
    r"OpenURL",
    r"Search ADS",
    r"CAS",
    r"ADS",
    r"MathSciNet",
    r"MATH",
    r"zbMATH",
    r"Medline",
    r"Europe PMC",
    r"Semantic Scholar",
    r"Full Text(?: \(?PDF\)?| HTML)?",
    r"PDF",
    r"Abstract",
    r"Article",
    r"Chapter",
    r"Free Full Text",
    r"Find it @ \S+",
    r"Ref(?:erence)? list",
    r"Open in a new tab",
    r"Download citation file:?",
    r"View Article",
    r"Get Rights and Content",
]
_LABEL = r"(?:" + "|".join(_LABELS) + r")"
# Labels that are chrome even alone at a line's end; the rest ("CAS", "Article", "PubMed")
# are cut only inside a run of two or more, or in brackets.
_STRONG = r"(?:Google Scholar|Show in Context|Scopus \(\d+\)|View in Article|Web of Science ?®?|Search ADS|Open in a new tab|Download citation file:?|Get Rights and Content)"
_BRACKETED_RX = re.compile(r"\s*,?\s*\[(?:" + _LABEL + r"|DOI|Free (?:PMC )?article|Ref list|CrossRef|Medline)\]", re.IGNORECASE)
# each label opens with the separators before it and ends where its name ends, so a run splits
# one way only (no backtracking over the spaces)
_LABEL_RUN_RX = re.compile(r"(?:(?:^|[\s|]+)(?<![\w-])" + _LABEL + r"(?![\w-]))+[\s|]*$")
# a run must end with a label: checked on the line's last characters first (much faster)
_LABEL_TAIL_RX = re.compile(_LABEL + r"$")
_STRONG_END_RX = re.compile(r"\s*(?<![\w-])" + _STRONG + r"\s*$")
# back-links before a reference: "↑", "^", Wikipedia's "^ a b"
_BACKLINK_RX = re.compile(r"^\s*(?:[↑⇑^]+(?:\s+[a-z](?=\s))*|Jump up(?: to)?:?(?:\s+[a-z](?=\s))*)\s*")

# ScienceDirect's links as they paste since 2023, glued together ("View PDFView articleView in
# ScopusGoogle Scholar"), and BMJ's ("CrossRefPubMedWeb of ScienceGoogle Scholar"): a line of
# them alone is chrome; at a reference's end they are cut one label at a time
_GLUED_LABELS = ("View PDF", "View article", "View in Scopus", "View Record in Scopus", "Google Scholar", "Crossref",
                 "CrossRef", "PubMed", "Web of Science®", "Web of Science", "CAS", "ISI", "Medline")
_SD_GLUED = r"(?:\s?(?:" + "|".join(re.escape(label) for label in _GLUED_LABELS) + r"))+"

_DATE_ONLY = (
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2},? \d{4}"
    r"|\d{1,2} (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{4}|\d{4}-\d{2}-\d{2})"
)
# Whole lines that are page chrome, never part of a reference.
_CHROME_LINES = [
    r"search for (?:other works|articles) by this author(?: on:?)?",
    r"skip (?:nav destination|to main content)",
    r"article history",
    r"connected content",
    r"my account",
    r"sign in(?: or create an account(?: close modal)?)?",
    r"log ?in|register|create account",
    r"cited by(?: \(\d+\))?",
    r"advertisement(?: intended for health care professionals)?",
    r"this feature is available to subscribers only",
    r"available to purchase",
    r"to read this article in full you will need to make a payment",
    r"purchase (?:one-time )?access(?: options)?:?",
    r"one-time access price info",
    r"already a print subscriber\? claim online access",
    r"already an online subscriber\? sign in",
    r"institutional access: sign in to sciencedirect",
    r"access through your (?:institution|organization)",
    r"(?:buy|purchase) (?:this )?(?:article|pdf|chapter)(?: pdf)?",
    r"rent this article",
    r"get access",
    r"check for updates",
    r"request permissions",
    r"(?:view|show) (?:all|more) references",
    r"references? (?:and notes)?",
    r"subscribe to .+",
    r"academic & personal: 24 hour online access.*",
    r"corporate r&d professionals: 24 hour online access",
    r"• for (?:academic or personal research|corporate r&d) use, select .*",
    r"a related article has been published:",
    r"(?:citation|cite this(?: article)?|how to cite(?: this article)?)\s*:?",
    r"(?:submitted|received|revised|accepted|published(?: online)?|available online|first edition|issue date|"
    r"version of record online|online ahead of print)\s*:?(?:\s*" + _DATE_ONLY + r")?",
    _DATE_ONLY,
    r"(?:view|download) (?:in )?(?:pdf|full text|figure|table)",
    r"doi|citing literature|download references|reprints and permissions|full text links|find this article online"
    r"|locate full text|get it @ .{1,40}",
    _SD_GLUED,
    r"[↑^⇑]+",
    r"(?:©|copyright ©|copyright \d{4}).*",
]
_CHROME_RX = re.compile(
    # a list bullet may come first: PMC's pages since 2024 list their links as "- DOI", "- PubMed"
    r"^(?:[-–•·▪◦*] )?(?:" + "|".join(_CHROME_LINES) + r"|[\s,|\[\]]*(?:(?<![\w-])" + _LABEL
    + r"(?![\w-])[\s,|\[\]]*)+)$",
    re.IGNORECASE,
)
# headings that start the reference section of a page
_HEADING_RX = re.compile(
    r"^\s*(?:\d+\.?\s*)?(?:references?(?: and notes| cited)?|bibliography|literature cited|works cited|"
    r"cited literature|literatur(?:verzeichnis)?|références(?: bibliographiques)?|bibliografía|bibliografia|"
    r"notes and references|sources)\s*:?\s*$",
    re.IGNORECASE,
)


CHROME_LINE_LIMIT = 500  # chrome lines are short; a longer line is never only chrome


def is_chrome(line: str) -> bool:
    """True for a line that is only page chrome (link labels, paywall and account text).
    Spaces are collapsed first, so that no run of them can make the pattern backtrack."""
    if len(line) > 4 * CHROME_LINE_LIMIT:
        return False
    line = " ".join(line.split())
    return len(line) <= CHROME_LINE_LIMIT and bool(_CHROME_RX.match(line))


def is_heading(line: str) -> bool:
    """True for a "References" / "Bibliography" heading line."""
    return bool(_HEADING_RX.match(line))


def _cut_glued_labels(line: str) -> str:
    """The line without a run of link labels at its end that a page glued together, or to the
    reference ("…100-105View PDFView articleGoogle Scholar"); a spaced run is left to the
    label-run pattern. Index arithmetic, not a regex search, so that a line of 20,000 glued
    labels takes no longer than reading it; and "…Parisi" keeps its "ISI"."""
    end = len(line.rstrip())
    cut, labels, glued = end, [], False
    while cut:
        label = next((l for l in _GLUED_LABELS if line.endswith(l, 0, cut)), None)
        if label is None:
            break
        cut -= len(label)
        labels.append(label)
        glued = glued or (cut > 0 and not line[cut - 1].isspace())
        while cut and line[cut - 1] == " ":
            cut -= 1
    if not labels or not cut or not (line[cut - 1].isalnum() or line[cut - 1] in ".)]"):
        return line
    if any(l.startswith("View") for l in labels) or glued and (len(labels) >= 2 or labels == ["Google Scholar"]):
        return line[:cut]
    return line


def strip_chrome(line: str) -> str:
    """A reference line without the chrome pasted inside it.

    "1. Smith J. Title. J. 2001. [DOI] [PubMed] [Google Scholar]" loses the bracketed
    labels; "… CAS PubMed Web of Science® Google Scholar" loses the run; "↑ Smith J …" loses
    the back-link. One weak label alone at the end ("… Article") stays.
    """
    line = _BACKLINK_RX.sub("", line)
    if "View" in line or "Scopus" in line or "Scholar" in line:
        line = _cut_glued_labels(line)
    if "[" in line:
        line = _BRACKETED_RX.sub("", line)
    tail = line.rstrip()[-60:]
    run = _LABEL_RUN_RX.search(line) if "@" in line or _LABEL_TAIL_RX.search(tail) else None
    if run and run.start() > 0:
        labels = re.findall(_LABEL, run.group(0))
        if len(labels) >= 2 or _STRONG_END_RX.search(run.group(0)):
            line = line[: run.start()]
    return line.rstrip()


# --- PDF text ---------------------------------------------------------------------------------

# "Electrical Engineeringpp .1 -23( 2017).": a PDF's text layer glued "pp" onto the word before
# and spaced the punctuation of the pages and year. Only that whole spaced pattern is repaired
# (a word of four or more letters, then "pp .N -M( YEAR)"), so "Knapp" or "Philipp" before
# anything else keep their letters.
_GLUED_PP_RX = re.compile(r"(?<=[^\W\d_]{3}[^\W\d_p])pp(?= \.\d{1,6} -\d{1,6}\( ?(?:1[5-9]|20)\d\d\))")


def unglue_pages(text: str) -> str:
    """"Engineeringpp .1 -23( 2017)" -> "Engineering pp .1 -23( 2017)": the tagger knows the
    marker only as a word of its own."""
    return _GLUED_PP_RX.sub(" pp", text) if "pp ." in text else text
