"""Author and editor lists, as the tagger spans them, split into names: "Family, G.",
"Given Family", initials with or without periods, particles, "et al.", organisations."""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Name
from .names import PLACEHOLDER_RX

PARTICLES = frozenset(
    "van von der den de del della delli degli di da dos das du la le ter ten zu vom van't el al ’t 't ó ní nic uí".split()
)
_ORG_WORDS = frozenset(
    """group organization organisation association committee consortium institute society
    collaboration council agency department university board foundation centre center team
    network office ministry commission bureau service services federation alliance working
    project program programme union corporation inc ltd company college academy panel
    investigators centers centres institutes agencies associations societies international""".split()
)
# "(eds.)", "Hrsg.", "(édit.)", "ed. by": the role of the names it follows
EDITOR_MARK_RX = re.compile(
    r"\(?\b(?:eds?|editors?|editado por|hrsg|hg|dir|coord|comps?|trans|édit|éds?)\b\.?\)?(?:\s*by\b)?|\(\s*\)",
    re.IGNORECASE,
)
EDITED_RX = re.compile(r"[,(]\s*(?:eds?|editors?|hrsg|hg|édit|éds?)\.?\)?[.,:]?$", re.IGNORECASE)
_EDITOR_LEAD_RX = re.compile(r"^(?:in|edited by|ed\. by|eds?\.?)\s*:?\s+", re.IGNORECASE)
_ORG_ABBREVIATION_RX = re.compile(r"\s*\([A-Z][A-Za-z&. ]{1,12}\)?$")  # "National Science Foundation (NSF)"
_LIST_RX = re.compile(r"[,;&]|\band\b")
# "Centers for Disease Control and Prevention", "Department of Health and Human Services":
# one organisation, its "and" no list
_ORG_AND_RX = re.compile(r"[^,;&]*\b(?:for|of|on)\b[^,;&]*\band\b[^,;&]*")
_AND_RX = re.compile(r"\s*(?:[;&/]|\b(?i:and|und)\b|(?<!\S)(?:et|y|e)(?!\S)(?!\s*al\b))\s*")
ET_AL_HINT_RX = re.compile(r"al(?:ii|ia)?\b|others|etc|…|\.\.\.", re.IGNORECASE)  # cheaper to rule out
_ET_AL_RX = re.compile(r",?\s*(?:\bet\.?\s*al(?:ii|ia)?\b\.?|\band others\b|\betc\b\.?|…|\.\.\.)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def initial_word(word: str) -> bool:
    """"J.", "JA", "H.M.", "J.-P.", "Yu.", "И." (any script); not "Li", "Smith", "DEAN"."""
    core = word.replace(".", "").replace("-", "").replace("–", "")
    if not core.isalpha() or len(core) > 4 or word in ("Ó", "Ní"):  # Irish particles, not initials
        return False
    if "." in word:
        pieces = [p for p in _INITIAL_SPLIT_RX.split(word) if p]
        return all(p.isupper() and len(p) <= 3 or len(p) == 2 and p[0].isupper() and p[1].islower() for p in pieces)
    return core.isupper() and len(core) <= 3


_CAPITALS_RX = re.compile(r"(?<=[A-ZА-ЯЁ])(?=[A-ZА-ЯЁ])")
_INITIAL_SPLIT_RX = re.compile(r"[.–-]+")
_PERIOD_LETTER_RX = re.compile(r"\.(?=[^\W\d_])")


def _format_initials(text: str) -> str:
    """"JA" -> "J. A.", "H.M." -> "H. M.", "J.-P." kept, "D.J" -> "D. J."."""
    text = text.replace(" ", "")
    if "." not in text and "-" not in text:
        return " ".join(c + "." for c in text)
    text = _CAPITALS_RX.sub(". ", text)  # "LR." -> "L. R."
    text = _PERIOD_LETTER_RX.sub(". ", text)
    return text + "." if text[-1].isalpha() else text


@lru_cache(maxsize=65536)
def is_initials(part: str) -> bool:
    words = part.split()
    return bool(words) and all(initial_word(w) for w in words)


_SENTENCE_END_RX = re.compile(r"(?<=[^\W\d_][a-zà-ÿ]{3})\.$")  # "Zahid." (not "J." or "Wm.")


def _given(text: str) -> str:
    text = text.strip(" ,")
    if is_initials(text) and len(text) <= 12:
        return _format_initials(text)
    return _SENTENCE_END_RX.sub("", text)


LETTERS_RX = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=65536)
def is_org(part: str) -> bool:
    return not _ORG_WORDS.isdisjoint(LETTERS_RX.findall(part.lower()))


def _name(family: str, given: str = "") -> Name:
    family = family.strip(" ,")
    if family.endswith(".") and not initial_word(family.split()[-1]):
        family = family.rstrip(".")
    words = family.split()
    suffix = ""
    if len(words) > 1 and SUFFIX_RX.fullmatch(words[-1]):
        suffix = words.pop()
    k = 0
    while k < len(words) - 1 and words[k] in PARTICLES:
        k += 1
    return Name(family=" ".join(words[k:]), given=given.strip(), non_dropping_particle=" ".join(words[:k]),
                suffix=suffix)


_GLUED_INITIAL_RX = re.compile(r"\b([A-Z])(?:\s+\.\s*|\.(?:|\s\s+))(?=[A-Z-])")  # not "J. A": as is


_PUNCT_WORD_RX = re.compile(r"(?:^|\s)[^\w\s]+(?:\s|$)|\d")
_PAREN_GIVEN_RX = re.compile(r"(.+?)\s*\(([^()]*)\)?")


def whole_name(part: str) -> Name | None:
    """One name written in one piece: "Smith JA", "J. P. Collman", "Lipo Wang", "WHO"."""
    part = part.strip(" ,;:")
    if part.endswith(".."):
        part = part.rstrip(".")
    if part.endswith(".") and part[-2:-1].isalpha() and not initial_word(part.split()[-1]):
        part = part[:-1]  # the sentence period after a family name
    if not part or not LETTERS_RX.search(part):
        return None
    if is_org(part):
        return Name(literal=_ORG_ABBREVIATION_RX.sub("", part))
    m = _PAREN_GIVEN_RX.fullmatch(part.removesuffix(".")) if "(" in part else None  # "Niaux (R.)", "Deschodt (L.)."
    if m and len(m.group(2).split()) <= 2:
        return _name(m.group(1), _given(m.group(2)))
    part = _GLUED_INITIAL_RX.sub(r"\1. ", part).replace(". -", ".-")
    words = part.split()
    if _PUNCT_WORD_RX.search(part):
        words = [w for w in words if LETTERS_RX.search(w)]
    if not words:
        return None
    suffix = ""
    if len(words) > 2 and SUFFIX_RX.fullmatch(words[-1]) and (
        not words[-1].isupper() or initial_word(words[-2])  # "Perez Polo JR": initials
    ):
        suffix = words.pop()
    name = _whole_name(words)
    name.suffix = name.suffix or suffix
    return name


def _whole_name(words: list[str]) -> Name:
    if len(words) == 1:
        return _name(words[0])
    # "Family I J" / "Family IJ" / "Family I.J.": trailing initials
    k = len(words)
    while k > 1 and initial_word(words[k - 1]) and words[k - 1] not in PARTICLES:
        k -= 1
    if k < len(words) and "." not in words[0]:
        return _name(" ".join(words[:k]), _format_initials("".join(words[k:])))
    # "I. J. [Given] Family": leading initials
    k = 0
    while k < len(words) - 1 and (initial_word(words[k]) and ("." in words[k] or len(words[k]) == 1)):
        k += 1
    j = len(words) - 1
    while j > k and words[j - 1].lower() in PARTICLES:
        j -= 1
    given = " ".join(words[:j])
    if k:
        given = " ".join([_format_initials("".join(words[:k]))] + words[k:j])
    return _name(" ".join(words[j:]), given)


def given_like(part: str) -> bool:
    """A given name after "Family,": initials, or a few capitalised words."""
    words = part.split()
    return is_initials(part) or (
        0 < len(words) <= 3 and all(w[0].isupper() or w.rstrip(".") in PARTICLES for w in words)
    )


# "BERNARD, Paul. TROUVE, Simone.": a period between two inverted names separates them
_NAME_PERIOD_RX = re.compile(r"\.(?<=[^\W\d_][^\W\d_A-Z]\.)\s+(?=[^\W\d_][^\W\d_]+,\s+[^\W\d_])")
_SPACE_BEFORE_RX = re.compile(r"\s+(?=[,.;])")
_NO_SPACE_AFTER_RX = re.compile(r",(?=[^\s\d])")
_LEAD_INITIALS_RX = re.compile(r"^((?:[A-Z]{1,3}\.))\s+([^\W\d_][^\W\d_'’-]+.*)$")
_CITATION_LABEL_RX = re.compile(r"^(?:Recommended\s+)?Citation\s*:?\s+(?=[A-Z])", re.IGNORECASE)  # a PDF's caption
SUFFIX_RX = re.compile(r"(?:jr|sr|ii|iii|iv|2nd|3rd)\.?", re.IGNORECASE)
_SUFFIX_NOT_INITIALS_RX = re.compile(r"(?:[JS]r|II|III|IV)\.?")


_CAPITALS_WORD_RX = re.compile(r"[A-Z]{3,}\.")


def split_names(text: str, editors: bool = False) -> tuple[list[Name], bool]:
    """A printed author or editor list -> names, and whether it ended in "et al."."""
    # PDF spacing: "Rykoff ,E .S ."; a dash before the title: "VALLAURI (L.). - Les productions"
    text = _SPACE_BEFORE_RX.sub("", text.strip().rstrip(" -–—"))
    if text[:1] in "-—–_Aa" and (ditto := PLACEHOLDER_RX.match(text)):
        text = text[ditto.end():]  # "———.", "-, R. Colacito": the names of the reference before
    if text[:1] in "CcRr" and "itation" in text[:25]:
        text = _CITATION_LABEL_RX.sub("", text)
    text = _NO_SPACE_AFTER_RX.sub(", ", text)
    if ". " in text:
        text = _NAME_PERIOD_RX.sub("; ", text)
    truncated = bool(ET_AL_HINT_RX.search(text) and _ET_AL_RX.search(text))
    text = text.split("…")[0].split("...")[0]  # APA: six names, "…", the last: keep the first run
    if truncated:
        text = _ET_AL_RX.sub("", text)
    text = _GLUED_INITIAL_RX.sub(r"\1. ", text).replace(". -", ".-")
    if editors:
        text = _EDITOR_LEAD_RX.sub("", text)
        text = EDITOR_MARK_RX.sub("", text)
    text = text.strip(" ,;:()[]")
    if not text:
        return [], truncated
    if is_org(text) and (not _LIST_RX.search(text) or _ORG_AND_RX.fullmatch(text)):
        return [Name(literal=_ORG_ABBREVIATION_RX.sub("", text.rstrip(".")))], truncated
    if text[-1:] == "." and _CAPITALS_WORD_RX.fullmatch(text):  # "NIH.", "SENNETT.": the sentence's period
        text = text[:-1]
    names: list[Name] = []
    for chunk in _AND_RX.split(text):
        parts = [p.strip() for p in chunk.split(",") if p.strip(" .")]
        inverted = len(parts) >= 2 and (
            is_initials(parts[1])
            or (len(parts[0].split()) == 1 and not is_initials(parts[0]) and given_like(parts[1]))
            or parts[0].split()[0].lower() in PARTICLES
            or (parts[0].isupper() and len(parts[0].split()) <= 3 and given_like(parts[1]))
        )
        i = 0
        while i < len(parts):
            part = parts[i]
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            if SUFFIX_RX.fullmatch(part) and names:
                names[-1].suffix = part
                i += 1
                continue
            if inverted and nxt is not None and _SUFFIX_NOT_INITIALS_RX.fullmatch(nxt.replace(" ", "")) and (
                    i + 2 < len(parts) and is_initials(parts[i + 2]) and len(part.split()) == 1):
                names.append(_name(part, _given(parts[i + 2])))  # "Guerney, Jr., B. G.", "Burba, Jr,G.G."
                names[-1].suffix = nxt
                i += 3
                continue
            if inverted and nxt is not None:
                words = part.split()
                glued = _LEAD_INITIALS_RX.match(nxt) if i + 2 < len(parts) and not is_initials(nxt) else None
                if glued and len(words) == 1 and not is_initials(part):
                    # "Ferguson, JN. Aldag, JM.": "JN." ends one name, "Aldag" starts the next
                    names.append(_name(part, _given(glued.group(1))))
                    parts[i + 1] = glued.group(2)
                    i += 1
                    continue
                looks_whole = initial_word(words[0]) or (
                    len(words) > 1 and initial_word(words[-1]) and not _SUFFIX_NOT_INITIALS_RX.fullmatch(words[-1])
                )  # "King Jr., D. T.", "Durfee III, C. G." (but "Le Gall JR, Lemeshow S": initials)
                family_like = (
                    len(words) == 1 or part.isupper() or words[0].lower() in PARTICLES
                    or (len(words) <= 4 and is_initials(nxt))
                )
                if family_like and not looks_whole and not is_org(part) and given_like(nxt):
                    names.append(_name(part, _given(nxt)))
                    i += 2
                    continue
            if is_initials(part) and names and not names[-1].given and not names[-1].literal:
                names[-1].given = _given(part)
            elif (inverted and nxt is None and len(letter := part.strip(" .")) == 1 and letter.isupper() and names
                  and is_initials(names[-1].given) and i >= 2 and parts[i - 2] == names[-1].family):
                names[-1].given = _given(names[-1].given + " " + letter + ".")  # "Goble, J., S.": a middle initial
            else:
                name = whole_name(part)
                if name:
                    names.append(name)
            i += 1
    return names, truncated

