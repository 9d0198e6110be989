"""Identifiers anywhere in a reference: DOI, PMID, PMCID, arXiv, ISBN, ISSN, URL; and the
web-page notes that go with URLs ("Available from:", "[cited 2024 Jan 3]", "Accessed …").

`take_identifiers` moves each into the record and returns the text without it, so the rule
parser reads only the bibliographic part.
"""
from __future__ import annotations

import re

from ..model import Date, Record, normalize_doi
from .source import MONTHS

_DOI_RX = re.compile(
    r"(?:(?:\bdoi\s*[:.]?\s*)?(?:\bhttps?\s*:\s*//\s*)?(?:dx\.)?doi\.org/\s*|\bdoi\s*[:.]?\s*|(?<![\w/.]))"
    r"(10\.\d{4,9}/[^\s\"]+)",
    re.IGNORECASE,
)
_PMID_RX = re.compile(r"\[?\b(?:PubMed\s+)?PMID\s*:?\s*(\d{1,9})\b\]?", re.IGNORECASE)
_PMCID_RX = re.compile(r"\[?\b(?:PMCID\s*:?\s*)?(PMC\s?\d{4,9})\b\]?", re.IGNORECASE)
_ARXIV_RX = re.compile(
    r"(?:\barXiv\s+preprint\s+)?(?:\b(?:arXiv|CoRR)\s*[:,]?\s*(?:abs/)?|\barxiv\.org/(?:abs|pdf)/|\babs/)"
    r"((?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\s?\d{7})(?:v\d+)?)(?:\s*\[[\w.-]+\])?",
    re.IGNORECASE,
)
_ISBN_RX = re.compile(r"\bISBN(?:-1[03])?\s*:?\s*((?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx])\b")
_ISSN_RX = re.compile(r"\b(?:e-?|p-?)?ISSN\s*:?\s*(\d{4}-?\d{3}[\dXx])\b", re.IGNORECASE)
_URL_RX = re.compile(
    r"(?:\b(?:Available (?:from|at|online)|Retrieved (?:[^,]{0,40}?,\s*)?from|URL|Online|Full text)\s*:?\s*)?"
    r"<?\b((?:https?|ftp)://[^\s<>\"]+|www\.[^\s<>\"]+\.[a-z]{2,}[^\s<>\"]*)>?",
    re.IGNORECASE,
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_ACCESS_DATE = (
    rf"(?:(?P<y1>\d{{4}})\s+(?P<m1>{_MONTH})(?:\s+(?P<d1>\d{{1,2}}))?"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MONTH}),?\s+(?P<y2>\d{{4}})"
    rf"|(?P<m3>{_MONTH})\s+(?P<d3>\d{{1,2}}),?\s+(?P<y3>\d{{4}})"
    rf"|(?P<y4>\d{{4}})-(?P<m4>\d{{1,2}})-(?P<d4>\d{{1,2}})"
    rf"|(?P<m5>{_MONTH})\s+(?P<y5>\d{{4}}))"
)
_ACCESSED_RX = re.compile(
    rf"[\[(]?\s*(?:cited|accessed(?: on)?|last accessed|date accessed|retrieved(?: on)?|consulted(?: on)?|zugegriffen am|zugriff am|consulté le)\s*:?\s*"
    rf"{_ACCESS_DATE}\s*[\])]?\.?",
    re.IGNORECASE,
)
_NOTES_RX = re.compile(
    r"\[(?:Internet|Online|Electronic resource|serial on the Internet|homepage on the Internet|Epub ahead of print)\]"
    r"|\bEpub ahead of print\b\.?|\bEpub\s+\d{4}(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?\.?",
    re.IGNORECASE,
)


def _date(m: re.Match) -> Date | None:
    g = m.groupdict()
    for k in "12345":
        year = g.get("y" + k)
        if year:
            month = g.get("m" + k) or ""
            month_n = int(month) if month.isdigit() else MONTHS.get(month[:3].lower())
            day = g.get("d" + k)
            return Date(int(year), month_n or None, int(day) if day and month_n else None)
    return None


def _cut(text: str, start: int, end: int) -> str:
    return text[:start] + " " + text[end:]


def _tidy(text: str) -> str:
    """Close the gaps identifiers leave: doubled spaces and separators, dangling punctuation."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"([.,;:])(?:\s+[.,;:])+", r"\1", text)
    text = re.sub(r"\s+([.,;:])(?=\s|$)", r"\1", text)
    text = re.sub(r"\(\s*\)|\[\s*\]", "", text)
    return text.strip(" ,;:")


# words without which each pattern cannot match: a substring test is much cheaper than the
# search that would find nothing
_ARXIV_HINTS = ("arxiv", "corr", "abs/")
_ACCESSED_HINTS = ("cited", "accessed", "retrieved", "consult", "zugriff", "zugegriffen")
_URL_HINTS = ("http", "ftp://", "www.")


def take_identifiers(text: str, rec: Record) -> str:
    """Move DOI, PMID, PMCID, arXiv id, ISBN, ISSN, URL and access date from `text` into
    `rec`; return the text without them."""
    low = text.lower()
    m = _DOI_RX.search(text) if "10." in text else None
    if m:
        doi = normalize_doi(m.group(1))
        if doi:
            rec.set("DOI", doi)
            text = _cut(text, m.start(), m.start(1) + len(doi))
    for rx, name, hint in ((_PMID_RX, "PMID", "pmid"), (_PMCID_RX, "PMCID", "pmc")):
        m = rx.search(text) if hint in low else None
        if m:
            rec.set(name, m.group(1).upper().replace(" ", ""))
            text = _cut(text, m.start(), m.end())
    m = _ARXIV_RX.search(text) if any(h in low for h in _ARXIV_HINTS) else None
    if m:
        rec.custom["arxiv"] = m.group(1).replace(" ", "")
        text = _cut(text, m.start(), m.end())
    m = _ISBN_RX.search(text) if "ISBN" in text else None
    if m:
        rec.set("ISBN", re.sub(r"\s+", "", m.group(1)))
        text = _cut(text, m.start(), m.end())
    m = _ISSN_RX.search(text) if "issn" in low else None
    if m:
        rec.set("ISSN", m.group(1))
        text = _cut(text, m.start(), m.end())
    m = _ACCESSED_RX.search(text) if any(h in low for h in _ACCESSED_HINTS) else None
    if m:
        rec.accessed = _date(m)
        text = _cut(text, m.start(), m.end())
    m = _URL_RX.search(text) if any(h in low for h in _URL_HINTS) else None
    if m:
        url = m.group(1)
        # a URL broken by a space where the paste wrapped it: "…/16034/ 1/Repanovici%26C.pdf"
        more = re.match(r"(?:\s(?=\S*(?:/|%[0-9A-F]{2}|\.(?:pdf|html?|php|aspx?)\b))\S+)+", text[m.end(1):])
        if more and url.endswith(("/", "%20", "-", "_")):
            url += more.group(0).replace(" ", "")
        url = _trim_url(url)
        if url:
            rec.set("URL", url)
            end = m.start(1) + len(url)
            if more and url.endswith(more.group(0).replace(" ", "").rstrip(".,;")):
                end = m.end(1) + len(more.group(0).rstrip(".,;"))
            if text[end:end + 1] == ">":
                end += 1
            text = _cut(text, m.start(), end)
    text = _NOTES_RX.sub(" ", text)
    return _tidy(text)


def _trim_url(url: str) -> str:
    """Cut sentence punctuation after a URL, keeping brackets that balance inside it."""
    while url and url[-1] in ".,;:'\"]>)}":
        closer = url[-1]
        opener = {")": "(", "]": "[", "}": "{"}.get(closer)
        if opener and url.count(opener) >= url.count(closer):
            break
        url = url[:-1]
    return url
