"""Clean-up before splitting: Unicode normalisation and recognising page chrome.

Chrome is what a journal page pastes along with its references (link labels, paywall text,
author-page links). It is recognised line by line; a line that is only chrome is dropped,
chrome inside a reference line is cut by the field parsers.
"""
from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = {ord(c): " " for c in "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t"}
_LIGATURES = {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}


def normalize_unicode(text: str) -> str:
    """NFC, no zero-width characters or soft hyphens, plain spaces, no ligatures, \\n lines."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_INVISIBLE).translate(_SPACES)
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Whole lines that are page chrome, never part of a reference.
_CHROME_LINES = [
    r"google scholar",
    r"crossref",
    r"pubmed",
    r"pubmed central",
    r"scopus(?: \(\d+\))?",
    r"view in article",
    r"web of science®?",
    r"search ads",
    r"cas",
    r"open in a new tab",
    r"download citation file:?",
    r"full text(?: pdf)?",
    r"abstract",
    r"article",
    r"search for (?:other works|articles) by this author(?: on:?)?",
    r"skip nav destination",
    r"article history",
    r"connected content",
    r"my account",
    r"sign in",
    r"sign in or create an account close modal",
    r"cited by",
    r"advertisement(?: intended for health care professionals)?",
    r"this feature is available to subscribers only",
    r"available to purchase",
    r"to read this article in full you will need to make a payment",
    r"purchase one-time access:?",
    r"one-time access price info",
    r"already a print subscriber\? claim online access",
    r"already an online subscriber\? sign in",
    r"institutional access: sign in to sciencedirect",
    r"subscribe to .+",
    r"academic & personal: 24 hour online access.*",
    r"corporate r&d professionals: 24 hour online access",
    r"• for (?:academic or personal research|corporate r&d) use, select .*",
    r"a related article has been published:",
    r"[↑^]+",
]
_CHROME_RX = re.compile(r"^\s*(?:" + "|".join(_CHROME_LINES) + r")\s*$", re.IGNORECASE)


def is_chrome(line: str) -> bool:
    """True for a line that is only page chrome (link labels, paywall text)."""
    return bool(_CHROME_RX.match(line))
