"""Personal names as printed in references -> `Name` (family/given, initials spaced)."""
from __future__ import annotations

import re

from ..model import Name

# An initials token: "H.M.", "J.-P.", "JA", "H M" parts, "Jr" excluded.
_INITIALS_RX = re.compile(r"^(?:[A-Z][a-z]?\.?-?){1,4}$")
_ET_AL_RX = re.compile(r"^\s*(?:et\.?\s*al\.?|and others|others|\.\.\.)\s*$", re.IGNORECASE)
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"}


def is_et_al(text: str) -> bool:
    return bool(_ET_AL_RX.match(text))


def is_initials(token: str) -> bool:
    """"H.M.", "JA", "J.-P." are initials; "Ng", "Li" (family names) are not."""
    token = token.strip(",")
    if not token or not token[0].isupper():
        return False
    if "." in token:
        return bool(re.fullmatch(r"(?:[A-Z][a-z]?\.-?\s?){0,3}[A-Z][a-z]?\.?", token))
    return bool(re.fullmatch(r"[A-Z]{1,3}", token))


def format_initials(token: str) -> str:
    """"H.M." -> "H. M.", "JA" -> "J. A.", "J.-P." -> "J.-P."."""
    token = token.strip().strip(",")
    if "." not in token:
        return " ".join(f"{c}." for c in token)
    parts = [p if "." in p else p.replace("-", "") + "." + ("-" if p.endswith("-") else "")
             for p in re.findall(r"[A-Z][a-z]?\.?-?", token)]
    out = ""
    for p in parts:
        out += p if out.endswith("-") or not out else " " + p
    return out


def family_initials(text: str) -> Name | None:
    """"Kantarjian H.M." / "De Lorgeril M." / "Modis L Jr" -> Name; None if not that form."""
    words = text.strip().rstrip(",").split()
    if len(words) < 2:
        return None
    suffix = ""
    if words[-1].lower() in SUFFIXES and len(words) >= 3:
        suffix = words.pop()
    if not is_initials(words[-1]):
        return None
    family = " ".join(words[:-1])
    if not family or not re.search(r"[^\W\d_]", family):
        return None
    return Name(family=family, given=format_initials(words[-1]), suffix=suffix)


def given_family(text: str) -> Name | None:
    """"Serdal Korkmaz" / "Claire Roddie" -> Name(family=last word, given=the rest)."""
    words = text.strip().strip(",;").split()
    if not words or not all(re.search(r"[^\W\d_]", w) for w in words):
        return None
    suffix = ""
    if len(words) >= 3 and words[-1].lower().strip(",") in SUFFIXES:
        suffix = words.pop().strip(",")
    if len(words) == 1:
        return Name(family=words[0], suffix=suffix)
    return Name(family=words[-1], given=" ".join(words[:-1]), suffix=suffix)


def parse_name(text: str) -> Name:
    """Any single printed name: "Family I.", "Family, Given", or "Given Family"."""
    text = text.strip()
    if "," in text:
        family, _, given = text.partition(",")
        given = given.strip()
        return Name(family=family.strip(), given=format_initials(given) if is_initials(given) else given)
    return family_initials(text) or given_family(text) or Name(literal=text)
