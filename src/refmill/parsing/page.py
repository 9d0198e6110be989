"""The pasted page's own article: read from the page header before chrome is dropped.

ScienceDirect prints "Review|Articles in Press, 103666", the title, "• Given Family" bylines,
"Published:February 24, 2023DOI:…", and names its journal only in "Subscribe to …".
Silverchair journals (Blood) print a "Citation" block with the whole reference.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Date, Record, clean_title, normalize_doi
from .clean import is_chrome
from .fields import parse_reference
from .split import bullet_text
from .names import given_family

_SD_HEADER_RX = re.compile(r"^\s*[^|]{2,60}\|\s*(?:Articles in Press|Volume[^,]*)(?:,\s*(?P<number>[\w-]+))?\s*$")
_PUBLISHED_RX = re.compile(r"^\s*Published:\s*(?P<date>[A-Z][a-z]+ \d{1,2}, \d{4})\s*(?:DOI:\s*(?P<doi>\S*))?", re.IGNORECASE)
_SUBSCRIBE_RX = re.compile(r"^\s*Subscribe to (?P<journal>.+?)\s*$")
_MONTHS = "january february march april may june july august september october november december".split()


@dataclass
class OwnArticle:
    record: Record
    line: int  # where it was found
    end: int  # first line after the header (references come later)


def _date(text: str) -> Date | None:
    m = re.match(r"([A-Za-z]+) (\d{1,2}), (\d{4})", text)
    if not m or m.group(1).lower() not in _MONTHS:
        return None
    return Date(int(m.group(3)), _MONTHS.index(m.group(1).lower()) + 1, int(m.group(2)))


def _sciencedirect(lines: list[str]) -> OwnArticle | None:
    for i, line in enumerate(lines):
        m = _SD_HEADER_RX.match(line)
        if m:
            break
    else:
        return None
    rec = Record(type="article-journal")
    if m.group("number"):
        rec.set("page", m.group("number"))
    j = i + 1
    while j < len(lines) and not lines[j].strip():
        j += 1
    if j >= len(lines):
        return None
    rec.set("title", clean_title(lines[j]))
    abstract: list[str] = []
    end = j + 1
    for k in range(j + 1, len(lines)):
        text = bullet_text(lines[k])
        if text is not None and not is_chrome(lines[k]):
            name = given_family(text)
            if name and not rec.issued:
                rec.author.append(name)
            continue
        pub = _PUBLISHED_RX.match(lines[k])
        if pub:
            rec.issued = _date(pub.group("date"))
            rec.set("DOI", normalize_doi(pub.group("doi") or ""))
            end = k + 1
            # the abstract is the paragraph after the byline, up to the paywall text
            for p in range(k + 1, len(lines)):
                if is_chrome(lines[p]):
                    break
                if lines[p].strip():
                    abstract.append(lines[p].strip())
                elif abstract:
                    break
            continue
        sub = _SUBSCRIBE_RX.match(lines[k])
        if sub:
            rec.set("container-title", sub.group("journal"))
            end = max(end, k + 1)
            break
    if not rec.author or not rec.title:
        return None
    rec.set("abstract", " ".join(abstract))
    rec.custom["line"] = j + 1
    return OwnArticle(rec, j + 1, end)


def _citation_block(lines: list[str]) -> OwnArticle | None:
    for i, line in enumerate(lines):
        if line.strip() == "Citation":
            for j in range(i + 1, min(i + 4, len(lines))):
                if lines[j].strip():
                    rec = parse_reference(lines[j].strip())
                    if rec:
                        rec.custom["line"] = j + 1
                        return OwnArticle(rec, j + 1, j + 1)
                    return None
    return None


def own_article(lines: list[str]) -> OwnArticle | None:
    """The article the page is about, or None when the page does not say."""
    return _sciencedirect(lines) or _citation_block(lines)
