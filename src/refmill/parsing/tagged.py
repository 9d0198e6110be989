"""Tagged tokens -> a `Record`: field values cleaned of the punctuation a style wraps them in,
author and editor lists split into names, the item type inferred, confidences attached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..model import Date, Name, Record, clean_title, normalize_doi, normalize_pages
from .clean import strip_markup, unglue_pages
from .tagger import Token

LOW_CONFIDENCE = 0.8  # a field whose weaker boundary is below this is listed in custom["low-confidence"]

# tagger label -> CSL variable (dates, names and identifiers are handled apart)
_TEXT = {
    "title": "title",
    "container": "container-title",
    "collection": "collection-title",
    "publisher": "publisher",
    "location": "publisher-place",
    "edition": "edition",
}
_EDGE = " \t.,;:/"


@dataclass
class Segment:
    label: str
    text: str
    confidence: float


def segments(text: str, tokens: list[Token], labels: list[str], probs: dict[int, float]) -> list[Segment]:
    """Runs of tokens with one label, as the original text between the first and last; the
    confidence of a run is the lower marginal of its two ends (1.0 where none is given)."""
    out: list[Segment] = []
    i, n = 0, len(tokens)
    while i < n:
        j = i
        while j + 1 < n and labels[j + 1] == labels[i]:
            j += 1
        conf = min(probs.get(i, 1.0), probs.get(j, 1.0))
        out.append(Segment(labels[i], text[tokens[i].start: tokens[j].end], conf))
        i = j + 1
    return out


# --- cleaning values --------------------------------------------------------------------------

_QUOTE_PAIRS = {'"': '"', "“": "”", "„": "“", "«": "»", "‘": "’", "'": "'", "‚": "‘"}


_EDGE_OPENERS = frozenset(_QUOTE_PAIRS) | {"(", "["}
_EDGE_CLOSERS = frozenset(_QUOTE_PAIRS.values()) | frozenset(")]\"”»’")


_STRIP_ROUNDS = 8  # real values need two or three; a value of 100,000 "(" must not take 100,000


def _strip_brackets(text: str) -> str:
    """Drop edge punctuation and brackets or quotes that do not balance inside the value."""
    text = text.strip(_EDGE)
    if not text or text[0] not in _EDGE_OPENERS and text[-1] not in _EDGE_CLOSERS:
        return text  # most values: nothing more to do
    for _ in range(_STRIP_ROUNDS):
        prev = text
        text = text.strip(_EDGE)
        if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
            text = text[1:-1]
        for opener, closer in ("()", "[]"):
            if text.startswith(opener) and text.count(closer) < text.count(opener):
                text = text[1:]
            if text.endswith(closer) and text.count(opener) < text.count(closer):
                text = text[:-1]
        if text[:1] in _QUOTE_PAIRS and sum(text.count(c) for c in "\"“”„«»") % 2:
            text = text[1:]
        if text[-1:] in "\"”»’" and sum(text.count(c) for c in "\"“”„«»") % 2:
            text = text[:-1]
        if text == prev:
            break
    return text


def clean_text(text: str) -> str:
    """Text from `segments` has single spaces already; only the edges need work."""
    return _strip_brackets(text).strip()


_TITLE_EDGE_RX = re.compile(r"^[\s\"“„«‘']+|[\s,;:\"”»’']+$")


def clean_title_text(text: str) -> str:
    """Quotes and the style's final period go; "?" and "!" stay."""
    text = _TITLE_EDGE_RX.sub("", text.strip())
    text = clean_title(text).strip(" ,;:")
    return clean_text(text) if not text.endswith(("?", "!")) else text.strip(" \"“”«»,;:")


_CLOSED_QUOTE_RX = re.compile(r"^[«“\"]?\s*(?P<title>[^«“»”\"]{3,}?)\s*[»”\"][,:;]?\s+\S")


def quoted_title(text: str) -> str:
    """A title in quotes ends at its closing quote: "« Démographie et sexualité », in
    CASELLI, …" -> "Démographie et sexualité" (the tagger ran on into the book). Not when a
    sentence ends after the quote: "\"Alors on a ri\". Die (Miss-)Geburt …" is one title."""
    m = _CLOSED_QUOTE_RX.match(text) if "»" in text or "”" in text or '"' in text else None
    return m.group("title") if m else text


# "contributor, with Pierre Dubois", "editor", "trans.": the author's part in the work, said
# before the work's quoted title
_ROLE_LEAD_RX = re.compile(
    r"^(?:co-?)?(?:contributor|editor|translator|compiler|illustrator|reviser|eds?\.|trans\.|comp\.)s?"
    r"(?:,?\s+(?:with|and)\s+[^\"“«\d]{3,60}?)?[\s,.:;]+(?=[\"“«][^\"”»]{2,}[\"”»])",
    re.IGNORECASE,
)


def drop_role(text: str) -> str:
    """"contributor, with Pierre Dubois \"Lyon\"." -> "\"Lyon\".": the role that opens the
    tagger's title is no part of it; the quoted part is the title."""
    return _ROLE_LEAD_RX.sub("", text, count=1)


_IN_RX = re.compile(r"^(?:in|en|dans|im)\s*:?\s+(?=\S)", re.IGNORECASE)


_MONTH_WORDS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|janvier|février|"
    "mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|gennaio|febbraio|marzo|aprile|maggio|"
    "giugno|luglio|agosto|settembre|ottobre|dicembre|januar|februar|märz|juni|juli|oktober|dezember|enero|"
    "febrero|abril|mayo|junio|julio|septiembre|octubre|noviembre|diciembre"
)
# "La Revue du Financier, mai-juin", "… Telecommunications Avril": the issue's month, not the journal
_CONTAINER_MONTH_RX = re.compile(rf"(?<=\w)(?:,\s*|\s+)(?:\d{{1,2}}\s+)?(?i:{_MONTH_WORDS})(?:\s*[-/–]\s*(?i:{_MONTH_WORDS}))?\.?$")
_MONTH_SET = frozenset(_MONTH_WORDS.split("|"))


def _last_piece(value: str) -> str:
    """The last word, lower-case, after its last dash or slash ("mai-juin" -> "juin")."""
    word = value[value.rfind(" ") + 1:].rstrip(".").lower()
    return word[max(word.rfind("-"), word.rfind("/"), word.rfind("–")) + 1:]
# "(In French; original unseen): Annales Agronomiques": a note before the journal
_CONTAINER_NOTE_RX = re.compile(r"^\([^()]{3,40}\)\s*:?\s+(?=\w)")


def clean_container(text: str) -> str:
    """"In: Handbook of X," -> "Handbook of X"; "Nat. Rev. Neurosci." keeps the period of its
    last abbreviation (dotted style), "N Engl J Med." and "Lancet." lose the sentence's."""
    value = clean_text(_IN_RX.sub("", clean_text(text)))
    if value[:1] in "'\"‘’”" and value[1:2] == " ":  # "' The Research Institute…": a quote left over
        value = clean_text(_IN_RX.sub("", value[2:]))
    if value[:1] == "(":
        value = _CONTAINER_NOTE_RX.sub("", value)
    if " " in value and _last_piece(value) in _MONTH_SET and (m := _CONTAINER_MONTH_RX.search(value)) and m.start() > 0:
        value = value[: m.start()]
    last = value.rsplit(" ", 1)[-1]
    if (text.rstrip(" ,;:)").endswith(".") and "." in value and len(last) <= 8 and last[:1].isupper()
            and not last.isupper()):
        value += "."
    return value


_VOL_PREFIX_RX = re.compile(r"^(?:vol(?:ume)?s?\.?|v\.|bd\.?|t\.|tome)\s*", re.IGNORECASE)
_ISS_PREFIX_RX = re.compile(r"^(?:nos\.?|no\.?|nr\.?|num(?:ber)?\.?|iss(?:ue)?\.?|n°|#)\s*", re.IGNORECASE)
_VOL_ISSUE_RX = re.compile(r"^(?P<vol>[^()]+?)\s*\((?P<iss>[^()]+)\)$")


_VOL_THEN_ISSUE_RX = re.compile(
    r"^(?P<vol>[\dIVXLCivxlc]+[A-Z]?)\s*(?:[:.(,;/]\s*|\s+)(?:(?:no|nr|issue|iss|n°)\.?\s*)?(?P<iss>\d[\dA-Za-z/–-]*)\)?(?:\s.*)?$"
)


_CJK_VOLUME_RX = re.compile(r"(?<=\d)\s*[권집卷巻号호期]$|^[제第]\s*")
_VOL_NO_RX = re.compile(r"^(?P<vol>.+?)\s*,?\s*(?:nos\.?|no\.?|nr\.?|issue|n°)\s*(?P<iss>\S.*)$", re.IGNORECASE)


_VOL_YEAR_TAIL_RX = re.compile(r",\s*(?:1[6-9]|20)\d\d(?:[./]\d{1,2})?$")  # "27(1), 2017.6": the year and month after
_MARKUP_RX = re.compile(r"</?[a-z]+>")  # "12</italic>(4)": the journal's italics close after the volume


def split_volume(text: str) -> tuple[str, str]:
    """"106(3)" -> ("106", "3"), "Vol. 9" -> ("9", ""), "No. 134" -> ("", "134"), "10권" -> "10"."""
    if "<" in text:
        text = _MARKUP_RX.sub("", text)
    text = _CJK_VOLUME_RX.sub("", clean_text(text))
    if ", " in text:
        text = _VOL_YEAR_TAIL_RX.sub("", text)
    m = _VOL_THEN_ISSUE_RX.match(_VOL_PREFIX_RX.sub("", text))
    if m:
        return m.group("vol"), m.group("iss")
    m = _VOL_ISSUE_RX.match(text)
    if m:
        return clean_text(_VOL_PREFIX_RX.sub("", m.group("vol"))), clean_text(_ISS_PREFIX_RX.sub("", m.group("iss")))
    m = _VOL_NO_RX.match(text)
    if m and _VOL_PREFIX_RX.match(text):
        return clean_text(_VOL_PREFIX_RX.sub("", m.group("vol"))), clean_text(m.group("iss"))
    if _ISS_PREFIX_RX.match(text) and not _VOL_PREFIX_RX.match(text):
        return "", clean_text(_ISS_PREFIX_RX.sub("", text))
    return clean_text(_VOL_PREFIX_RX.sub("", text)), ""


def clean_issue(text: str) -> str:
    """"no. 3" -> "3", "2호" -> "2"."""
    return clean_text(_ISS_PREFIX_RX.sub("", _CJK_VOLUME_RX.sub("", clean_text(text))))


_PAGES_PREFIX_RX = re.compile(r"^(?:pages?|pgs?\.?|pp?\.?|s\.|seiten?)\s*", re.IGNORECASE)
# "(10-11): 1808-1813": the issue before the pages; "1565.arXiv": the next identifier glued on
_PAGES_EDGE_RX = re.compile(r"^\([^()]*\)\s*:\s*(?=\d)|\.(?=[A-Za-z]{2})\S*$")
_PAGE_COUNT_RX = re.compile(r"^(\d+)\s*(?:pp?\.?|pages|s\.|seiten)$", re.IGNORECASE)


_DASH_SPACE_RX = re.compile(r"\s+(?=[-–—])|(?<=[-–—])\s+")


def clean_pages(text: str) -> tuple[str, str]:
    """(page, number-of-pages): "pp. 1477-81" -> ("1477-1481", ""), "320 pp." -> ("", "320")."""
    text = clean_text(text)
    if text[:1] == "(" and text[-1:] == ")":
        text = text[1:-1]
    m = _PAGE_COUNT_RX.match(text)
    if m:
        return "", m.group(1)
    text = clean_text(_PAGES_PREFIX_RX.sub("", text))
    if "(" in text or "." in text:
        text = _PAGES_EDGE_RX.sub("", text)
    return normalize_pages(_DASH_SPACE_RX.sub("", text) if " " in text else text), ""


_YEAR_RX = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)([a-z])?(?![\d])")
_IN_PRESS_RX = re.compile(r"\b(?:in press|forthcoming|accepted|submitted|to appear|im druck|sous presse)\b", re.IGNORECASE)


_WORDS3_RX = re.compile(r"[^\W\d_]{3,}")


def parse_date(text: str) -> tuple[Date | None, str]:
    """"(2020a)." -> (Date(2020), "a"); "September 2014" -> month too; "in press" -> literal."""
    m = _YEAR_RX.search(text)
    if not m:
        press = _IN_PRESS_RX.search(text)
        return (Date(literal=press.group(0).lower()), "") if press else (None, "")
    month = None
    for word in _WORDS3_RX.findall(text.lower()):
        month = MONTHS.get(word[:3]) if word[:3] in MONTHS and (len(word) == 3 or word in _MONTH_NAMES) else None
        if month:
            break
    return Date(int(m.group(1)), month), m.group(2) or ""


MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december sept"
    .split()
)

# --- names ------------------------------------------------------------------------------------

_PARTICLES = frozenset(
    "van von der den de del della delli degli di da dos das du la le ter ten zu vom van't el al ’t 't ó ní nic uí".split()
)
_ORG_WORDS = frozenset(
    """group organization organisation association committee consortium institute society
    collaboration council agency department university board foundation centre center team
    network office ministry commission bureau service services federation alliance working
    project program programme union corporation inc ltd company college academy panel
    investigators centers centres institutes agencies associations societies""".split()
)
_EDITOR_NOISE_RX = re.compile(
    r"\(?\b(?:eds?|editors?|editado por|hrsg|hg|dir|coord|comps?|trans)\b\.?\)?(?:\s*by\b)?|\(\s*\)",
    re.IGNORECASE,
)
_EDITED_RX = re.compile(r"[,(]\s*(?:eds?|editors?|hrsg|hg)\.?\)?[.,:]?$", re.IGNORECASE)
_EDITOR_LEAD_RX = re.compile(r"^(?:in|edited by|ed\. by|eds?\.?)\s*:?\s+", re.IGNORECASE)
_ORG_ABBREVIATION_RX = re.compile(r"\s*\([A-Z][A-Za-z&. ]{1,12}\)?$")  # "National Science Foundation (NSF)"
_LIST_RX = re.compile(r"[,;&]|\band\b")
# "Centers for Disease Control and Prevention", "Department of Health and Human Services":
# one organisation, its "and" no list
_ORG_AND_RX = re.compile(r"[^,;&]*\b(?:for|of|on)\b[^,;&]*\band\b[^,;&]*")
_AND_RX = re.compile(r"\s*(?:[;&/]|\b(?i:and|und)\b|(?<!\S)(?:et|y|e)(?!\S)(?!\s*al\b))\s*")
_ET_AL_HINT_RX = re.compile(r"al\b|others|etc|…|\.\.\.", re.IGNORECASE)  # cheaper to rule out
_ET_AL_RX = re.compile(r",?\s*(?:\bet\.?\s*al\b\.?|\band others\b|\betc\b\.?|…|\.\.\.)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _initial_word(word: str) -> bool:
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
def _is_initials(part: str) -> bool:
    words = part.split()
    return bool(words) and all(_initial_word(w) for w in words)


_SENTENCE_END_RX = re.compile(r"(?<=[^\W\d_][a-zà-ÿ]{3})\.$")  # "Zahid." (not "J." or "Wm.")


def _given(text: str) -> str:
    text = text.strip(" ,")
    if _is_initials(text) and len(text) <= 12:
        return _format_initials(text)
    return _SENTENCE_END_RX.sub("", text)


_LETTERS_RX = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=65536)
def _is_org(part: str) -> bool:
    return not _ORG_WORDS.isdisjoint(_LETTERS_RX.findall(part.lower()))


def _name(family: str, given: str = "") -> Name:
    family = family.strip(" ,")
    if family.endswith(".") and not _initial_word(family.split()[-1]):
        family = family.rstrip(".")
    words = family.split()
    suffix = ""
    if len(words) > 1 and _SUFFIX_RX.fullmatch(words[-1]):
        suffix = words.pop()
    k = 0
    while k < len(words) - 1 and words[k] in _PARTICLES:
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
    if part.endswith(".") and part[-2:-1].isalpha() and not _initial_word(part.split()[-1]):
        part = part[:-1]  # the sentence period after a family name
    if not part or not _LETTERS_RX.search(part):
        return None
    if _is_org(part):
        return Name(literal=_ORG_ABBREVIATION_RX.sub("", part))
    m = _PAREN_GIVEN_RX.fullmatch(part) if "(" in part else None  # French "Niaux (R.)"
    if m and len(m.group(2).split()) <= 2:
        return _name(m.group(1), _given(m.group(2)))
    part = _GLUED_INITIAL_RX.sub(r"\1. ", part).replace(". -", ".-")
    words = part.split()
    if _PUNCT_WORD_RX.search(part):
        words = [w for w in words if _LETTERS_RX.search(w)]
    if not words:
        return None
    suffix = ""
    if len(words) > 2 and _SUFFIX_RX.fullmatch(words[-1]) and (
        not words[-1].isupper() or _initial_word(words[-2])  # "Perez Polo JR": initials
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
    while k > 1 and _initial_word(words[k - 1]) and words[k - 1] not in _PARTICLES:
        k -= 1
    if k < len(words) and "." not in words[0]:
        return _name(" ".join(words[:k]), _format_initials("".join(words[k:])))
    # "I. J. [Given] Family": leading initials
    k = 0
    while k < len(words) - 1 and (_initial_word(words[k]) and ("." in words[k] or len(words[k]) == 1)):
        k += 1
    j = len(words) - 1
    while j > k and words[j - 1].lower() in _PARTICLES:
        j -= 1
    given = " ".join(words[:j])
    if k:
        given = " ".join([_format_initials("".join(words[:k]))] + words[k:j])
    return _name(" ".join(words[j:]), given)


def _given_like(part: str) -> bool:
    """A given name after "Family,": initials, or a few capitalised words."""
    words = part.split()
    return _is_initials(part) or (
        0 < len(words) <= 3 and all(w[0].isupper() or w.rstrip(".") in _PARTICLES for w in words)
    )


# "BERNARD, Paul. TROUVE, Simone.": a period between two inverted names separates them
_NAME_PERIOD_RX = re.compile(r"\.(?<=[^\W\d_][^\W\d_A-Z]\.)\s+(?=[^\W\d_][^\W\d_]+,\s+[^\W\d_])")
_SPACE_BEFORE_RX = re.compile(r"\s+(?=[,.;])")
_NO_SPACE_AFTER_RX = re.compile(r",(?=[^\s\d])")
_LEAD_INITIALS_RX = re.compile(r"^((?:[A-Z]{1,3}\.))\s+([^\W\d_][^\W\d_'’-]+.*)$")
_CITATION_LABEL_RX = re.compile(r"^(?:Recommended\s+)?Citation\s*:?\s+(?=[A-Z])", re.IGNORECASE)  # a PDF's caption
_SUFFIX_RX = re.compile(r"(?:jr|sr|ii|iii|iv|2nd|3rd)\.?", re.IGNORECASE)


def split_names(text: str, editors: bool = False) -> tuple[list[Name], bool]:
    """A printed author or editor list -> names, and whether it ended in "et al."."""
    text = _SPACE_BEFORE_RX.sub("", text.strip())  # PDF spacing: "Rykoff ,E .S ."
    if text[:1] in "CcRr" and "itation" in text[:25]:
        text = _CITATION_LABEL_RX.sub("", text)
    text = _NO_SPACE_AFTER_RX.sub(", ", text)
    if ". " in text:
        text = _NAME_PERIOD_RX.sub("; ", text)
    truncated = bool(_ET_AL_HINT_RX.search(text) and _ET_AL_RX.search(text))
    text = text.split("…")[0].split("...")[0]  # APA: six names, "…", the last: keep the first run
    if truncated:
        text = _ET_AL_RX.sub("", text)
    text = _GLUED_INITIAL_RX.sub(r"\1. ", text).replace(". -", ".-")
    if editors:
        text = _EDITOR_LEAD_RX.sub("", text)
        text = _EDITOR_NOISE_RX.sub("", text)
    text = text.strip(" ,;:()[]")
    if not text:
        return [], truncated
    if _is_org(text) and (not _LIST_RX.search(text) or _ORG_AND_RX.fullmatch(text)):
        return [Name(literal=_ORG_ABBREVIATION_RX.sub("", text.rstrip(".")))], truncated
    names: list[Name] = []
    for chunk in _AND_RX.split(text):
        parts = [p.strip() for p in chunk.split(",") if p.strip(" .")]
        inverted = len(parts) >= 2 and (
            _is_initials(parts[1])
            or (len(parts[0].split()) == 1 and not _is_initials(parts[0]) and _given_like(parts[1]))
            or parts[0].split()[0].lower() in _PARTICLES
            or (parts[0].isupper() and len(parts[0].split()) <= 3 and _given_like(parts[1]))
        )
        i = 0
        while i < len(parts):
            part = parts[i]
            nxt = parts[i + 1] if i + 1 < len(parts) else None
            if _SUFFIX_RX.fullmatch(part) and names:
                names[-1].suffix = part
                i += 1
                continue
            if inverted and nxt is not None:
                words = part.split()
                glued = _LEAD_INITIALS_RX.match(nxt) if i + 2 < len(parts) and not _is_initials(nxt) else None
                if glued and len(words) == 1 and not _is_initials(part):
                    # "Ferguson, JN. Aldag, JM.": "JN." ends one name, "Aldag" starts the next
                    names.append(_name(part, _given(glued.group(1))))
                    parts[i + 1] = glued.group(2)
                    i += 1
                    continue
                looks_whole = _initial_word(words[0]) or len(words) > 1 and _initial_word(words[-1])
                family_like = (
                    len(words) == 1 or part.isupper() or words[0].lower() in _PARTICLES
                    or (len(words) <= 4 and _is_initials(nxt))
                )
                if family_like and not looks_whole and not _is_org(part) and _given_like(nxt):
                    names.append(_name(part, _given(nxt)))
                    i += 2
                    continue
            if _is_initials(part) and names and not names[-1].given and not names[-1].literal:
                names[-1].given = _given(part)
            else:
                name = whole_name(part)
                if name:
                    names.append(name)
            i += 1
    return names, truncated


_DOI_GLUED_RX = re.compile(r"[,;.](?:doi|url|https?|arxiv)\b.*$", re.IGNORECASE)


def clean_doi(text: str) -> str:
    """normalize_doi, and a "[" that opens an arXiv note after the DOI cut; so is the next
    identifier glued on with no space ("10.1063/1.524639,doi :…", PDF text)."""
    doi = normalize_doi(text)
    if "[" in doi and "]" not in doi:
        doi = doi[: doi.index("[")]
    if _DOI_GLUED_RX.search(doi):
        doi = normalize_doi(_DOI_GLUED_RX.sub("", doi))
    return doi


# --- the record --------------------------------------------------------------------------------

_ARXIV_RX = re.compile(r"(?:arXiv\s*:?\s*)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", re.IGNORECASE)


_NO_YEAR_LABELS = frozenset("title container collection url doi arxiv isbn pages number".split())
# "2006/1", "2/2011": the year and the issue of a French journal, read as its volume
_SLASH_YEAR_RX = re.compile(r"(?<![\w/.-])(?:\d{1,2}/(?=\d{4}(?![\w/-]))|(?=\d{4}/\d{1,2}(?![\w/-])))(1[6-9]\d\d|20\d\d)")
_LONE_YEAR_RX = re.compile(r"(?<![\w/.-])(1[6-9]\d\d|20\d\d)[a-z]?(?![\w/-])")


# "JHEP 09 (2013)029", "Science 326 (2009) 1683.": the page after the year in parentheses,
# read as part of the date
_DATE_PAGE_RX = re.compile(r"\(?\s*(?<!\d)(?:1[5-9]|20)\d\d[a-z]?\s*\)\s*(?P<page>[A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?)\s*[.,;]?$")
# "Invisible Cities. Translated by William Weaver.", "Towards X (Doctoral dissertation).": a
# note on the book that the tagger read as part of its title ends it
_LEAD_ASIDE_RX = re.compile(r"^\([^()]{2,60}\)[.,]\s+(?=\S)")
_TITLE_NOTE_HINTS = ("ransl", "Trans.", "dited", "Ed.", "Dir.", "ublished", "eprinted", "hesis", "issertation",
                     "M.", "MSc", "Ph.", "PhD")
_TITLE_NOTE_RX = re.compile(
    r"(?<=[^\W\d_]{2}[.?!])\s+(?:(?:Translated|Trans\.|Transl\.|Edited|Ed\.)\s+(?:by|and)\s|Dir\.\s|"
    r"(?:Published|Reprinted)\s+(?:in|by|\d))"
    r"|\s+\((?=[^()]*\b(?:[Dd]issertation|[Tt]hesis)\b[^()]*\)\W*$)"  # "(Unpublished doctoral dissertation)."
    r"|(?<=[\w)][.?!])\s+(?:M\.\s?S|M\.\s?A|M\.\s?Sc|MSc|Ph\.\s?D|PhD)\.?$"  # "… (in French). M.S. | Thesis"
)
_SKIPPED = frozenset(("number",))
# tagger label -> the key of its field in custom["field-confidence"]
_CONFIDENCE_KEY = {"date": "issued", "container": "container-title", "collection": "collection-title",
                   "location": "publisher-place", "pages": "page", "doi": "DOI", "url": "URL", "isbn": "ISBN"}


_TWO_LOWER_RX = re.compile(r"\s[a-z][\w'’-]*\s+[a-z]")  # what _AUTHOR_TAIL_RX needs; much cheaper to rule out
_AUTHOR_TAIL_RX = re.compile(r"^(?P<names>.*?[.,])\s+(?P<tail>(?:[A-Z]\w*\s+)?(?P<words>[a-z][\w'’-]*\s+[a-z][\w'’-]*)\b.*)$")


def split_author_tail(segs: list[Segment]) -> list[Segment]:
    """"Jones K. A title of a paper.": a sentence of lower-case words is no name; it is the
    title when the tagger found none, and dropped from the names otherwise."""
    out = []
    has_title = any(s.label == "title" for s in segs)
    for seg in segs:
        m = _AUTHOR_TAIL_RX.match(seg.text) if seg.label == "author" and _TWO_LOWER_RX.search(seg.text) else None
        if m and not any(w in _PARTICLES or w in ("et", "and", "und") for w in m.group("words").split()):
            out.append(Segment("author", m.group("names"), seg.confidence))
            if not has_title:
                out.append(Segment("title", m.group("tail"), min(seg.confidence, 0.5)))
                has_title = True
            continue
        out.append(seg)
    return out


_WORD_AND_WORD_RX = re.compile(r"(?P<a>[^\W\d_][\w'’-]+)\s+(?:and|&|und|et)\s+(?P<b>[^\W\d_][\w'’-]+)")
_PLACE_RX = re.compile(r"[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,2}")


def _full_name_first(part: str) -> bool:
    """"Gellner Ernest", "Smith JA": a name with its given name in one piece (not "Van
    Mulken" or "Stewart III", a family name alone)."""
    words = part.split()
    return len(words) >= 2 and words[0].lower() not in _PARTICLES and not _SUFFIX_RX.fullmatch(words[-1])


def _one_word_pair(part: str) -> bool:
    """"Nations and Nationalism": two capitalised words joined by "and", neither an initial,
    a particle nor in capitals (French lists print family names so: "MARTIN et DUPONT")."""
    m = _WORD_AND_WORD_RX.fullmatch(part.strip())
    return bool(m) and all(
        w[0].isupper() and not w.isupper() and not _initial_word(w) and w.lower() not in _PARTICLES for w in (m["a"], m["b"])
    )


def title_in_names(segs: list[Segment]) -> list[Segment]:
    """"Gellner Ernest, Nations and Nationalism, Ithaca, 1983", all read as names: when the
    tagger found no title, a list whose first name carries its given name has no room for
    "Nations" and "Nationalism" as two one-word names. That part is the title, a short part
    after it the place."""
    if any(s.label == "title" for s in segs):
        return segs
    k = next((i for i, s in enumerate(segs) if s.label == "author"), None)
    if k is None:
        return segs
    seg = segs[k]
    parts = seg.text.rstrip(" ,;").split(",")
    if not _full_name_first(parts[0]):
        return segs
    for j in range(1, len(parts)):
        if _one_word_pair(parts[j]):
            break
    else:
        return segs
    conf = min(seg.confidence, 0.5)
    out = [Segment("author", ",".join(parts[:j]), seg.confidence), Segment("title", parts[j].strip(), conf)]
    rest = ",".join(parts[j + 1:]).strip(" ,.;")
    if rest:
        out.append(Segment("location" if _PLACE_RX.fullmatch(rest) else "note", rest, conf))
    return segs[:k] + out + segs[k + 1:]


_DITTO_RX = re.compile(r"^[-‐‑‒–—―_]{2,}\s*[.,]?\s*(?P<rest>\S.*)$")  # "———. Steppenwolf.": same author as above
_FIRST_SENTENCE_RX = re.compile(r"^(?P<first>.+?[^\W\d_]{2}[.?!])(?:\s+(?=\S)|$)")
_SOURCE_LABELS = frozenset(("container", "location", "publisher", "volume", "pages", "issue"))


def title_fallback(segs: list[Segment]) -> list[Segment]:
    """A book whose title the tagger missed: "Barthes, Roland 1977. Image-Music-Text. Trans.
    Stephen Heath. New York: …" (the sentence after the names and date, before the
    publisher, read as a note) or "———. Steppenwolf. Translated by …" (a ditto line for the
    author, read as a name)."""
    if any(s.label in ("title", "container") for s in segs):
        return segs
    for k, seg in enumerate(segs):
        if seg.label in _SOURCE_LABELS:
            break
        if seg.label == "author" and (m := _DITTO_RX.match(seg.text)):
            return segs[:k] + [Segment("title", m.group("rest"), min(seg.confidence, 0.5))] + segs[k + 1:]
        if seg.label == "note" and k and segs[k - 1].label in ("author", "editor", "date"):
            m = _FIRST_SENTENCE_RX.match(seg.text)
            if not m:
                break
            title, rest = m.group("first"), seg.text[m.end():]
            out = segs[:k] + [Segment("title", title, min(seg.confidence, 0.5))]
            return out + ([Segment("note", rest, seg.confidence)] if rest else []) + segs[k + 1:]
    return segs


_IN_CONTAINER_RX = re.compile(r"\.\s+In:?\s+(?=[A-Z])")
_CONTAINER_TAIL_RX = re.compile(r"\b(?:[Vv]ol(?:ume)?\s*\.?\s*(?P<volume>\d{1,4})\b|ed\s*\.\s*(?:by\s+)?[A-Z])")
_YEAR_FIRST_RX = re.compile(r"^(?P<year>(?:1[6-9]|20)\d\d),?\s+(?P<rest>[^\W\d_].*)$")
_GLUED_VOLUME_RX = re.compile(r"^(?P<journal>.*[^\W\d_][a-z])(?P<volume>\d{1,4})$")
_SECTION_VOLUME_RX = re.compile(r"^(?P<journal>.*[\s.][A-Z])(?P<volume>\d{1,4})$")  # "Phys. Rev. D96"


_PP_RX = re.compile(r"^\(?pp\b", re.IGNORECASE)


def paged_book_title(rec: Record, conf: dict[str, float], segs: list[Segment]) -> None:
    """The tagger's container where it is a book cited by its pages: names, no title, pages
    marked "pp." and no volume or issue ("Costa, L. and Comin, C. Network Science pp. 1-23
    (2017)."). A journal cited without its article's title prints a volume ("J. Chem. Soc.
    272 (1948)"), so a bare container stays one."""
    container = rec.get("container-title")
    if (not container or rec.title or not rec.author or not rec.get("page") or rec.get("volume")
            or rec.get("issue") or not any(s.label == "pages" and _PP_RX.match(s.text) for s in segs)):
        return
    rec.set("title", container)
    rec.fields.pop("container-title")
    conf["title"] = min(conf.pop("container-title", 1.0), 0.5)


def book_title(rec: Record, conf: dict[str, float]) -> None:
    """The tagger's container where it is the title: a book with no title but a publisher or
    place and no volume or pages ("Jackson, Michael (Ed.). Things as They Are. Bloomington:
    Indiana University Press, 1996.", "G. Nagy (ed.), Greek Literature, New York 2001."); a title that runs into ". In Book" gives the book back; a
    physics journal's section letter keeps the volume glued to it ("Phys. Rev. D96")."""
    container = rec.get("container-title")
    if container and not rec.title and (rec.get("publisher") or rec.get("publisher-place")) and not (
            rec.get("volume") or rec.get("page")):
        rec.set("title", container)
        rec.fields.pop("container-title")
        conf["title"] = min(conf.pop("container-title", 1.0), 0.5)
    elif rec.title and (m := _IN_CONTAINER_RX.search(rec.title)) and not container:
        rec.set("container-title", rec.title[m.end():])
        rec.set("title", rec.title[: m.start()])
        conf["container-title"] = min(conf.get("title", 1.0), 0.5)
    container = rec.get("container-title")
    if container and ("ol" in container or " ed" in container or ",ed" in container) and (
            m := _CONTAINER_TAIL_RX.search(container)) \
            and container[: m.start()].strip(" ,"):
        # "Annual Review of Fluid Mechanics,Vol .41 ,…", "Prematurity in Discovery ,ed .E. B. Hook"
        rec.set("container-title", clean_container(container[: m.start()]))
        if m.group("volume") and not rec.get("volume"):
            rec.set("volume", m.group("volume"))
            conf["volume"] = conf.get("container-title", 1.0)
        container = rec.get("container-title")
    if container and container[0].isdigit() and (m := _YEAR_FIRST_RX.match(container)):
        # "1958, Daedalus", "2020 IEEE 36th International Conference": the year opens it
        rec.set("container-title", m.group("rest"))
        if rec.issued is None:
            rec.issued = Date(int(m.group("year")))
            conf["issued"] = min(conf.get("container-title", 1.0), 0.5)
        container = m.group("rest")
    if container and container[-1].isdigit() and not rec.get("volume") and (m := _GLUED_VOLUME_RX.match(container)):
        # "Applied Optics56 ( 8 )": a PDF lost the space between the journal and its volume
        rec.set("container-title", m.group("journal"))
        rec.set("volume", m.group("volume"))
        conf["volume"] = conf.get("container-title", 1.0)
    elif container and not rec.get("volume") and (m := _SECTION_VOLUME_RX.match(container)):
        # "Phys. Rev. D96, 014504 (2017)": the journal's section letter, then the volume
        rec.set("container-title", m.group("journal"))
        rec.set("volume", m.group("volume"))
        conf["volume"] = conf.get("container-title", 1.0)


_NOTE_ID_RX = re.compile(r"(?:PubMed(?:\s+Central)?\s*)?\b(?:PMID|PMCID|ISSN|doi)\s*:?\s*[\w./-]+[;,]?|\b10\.\d{4,9}/\S+",
                         re.IGNORECASE)
_ARTICLE_NUMBER_RX = re.compile(r"^Article(?: No\.?| number)?\s+(?P<n>[A-Za-z]?\d+)$", re.IGNORECASE)
_NOTE_LINK_RX = re.compile(
    r"^\W*(?:online\W*)?(?:retrieved|available|accessed|accessible|online|cited|consulted|link|url|zugriff|abgerufen|disponible)"
    r"\b[^.]{0,40}$", re.IGNORECASE)


def _note_text(text: str) -> str:
    """A note without the brackets round all of it ("(Doctoral dissertation)"), the
    identifiers the rules already took, and words that only lead to a link ("Retrieved from")."""
    text = clean_text(_NOTE_ID_RX.sub(" ", strip_markup(text) if "<" in text else text))
    if text[:1] + text[-1:] in ("()", "[]") and not any(c in text[1:-1] for c in "()[]"):
        text = text[1:-1].strip()
    if len(_LETTERS_RX.findall(text)) == 0 or _NOTE_LINK_RX.match(text):
        return ""
    return text


_TITLE_END_RX = re.compile(r"(?<=[^\W\d_]{4})(?P<end>[.?!](?:</[a-z]+>)?)\s+(?=[^\W\d_])")
_LOWER_WORD_RX = re.compile(r"(?:^|\s)[^\W\d_A-Z]")


def _abbreviation(word: str) -> bool:
    """"Phys", "Chem", "Reconstr": a capitalised word of up to eight letters before a period,
    not ending in a vowel ("Шуменско", "Argentina" end sentences), is a journal abbreviation."""
    return word[:1].isupper() and len(word) <= 8 and word[-1] not in _VOWELS


_VOWELS = frozenset("aeiouyàáâäèéêëìíîïòóôöùúûüаеёиоуыэюя")


def _publisher_like(text: str) -> bool:
    return bool(_PUBLISHER_WORD_RX.search(text)) or _is_org(text)


def place_in_publisher(rec: Record, conf: dict[str, float]) -> None:
    """"Atlanta (GA): US Department of Health", "Liturgical Press: Collegeville", "Berkeley,
    University of California Press": place and publisher read as one publisher, with no place
    found; the side that names a publisher or an organisation is the publisher, the other the
    place (before a comma only a short place, first)."""
    publisher = rec.get("publisher")
    if not publisher or rec.get("publisher-place") or ": " not in publisher and ", " not in publisher:
        return
    colon = ": " in publisher
    left, right = (p.strip(" ,;") for p in publisher.split(": " if colon else ", ", 1))
    if not left or not right or any(c.isdigit() for c in left + right):
        return
    if _publisher_like(right) and not _publisher_like(left) and len(left.split()) <= (4 if colon else 2):
        place, publisher = left, right
    elif colon and _publisher_like(left) and not _publisher_like(right) and len(right.split()) <= 4:
        place, publisher = right, left
    else:
        return
    rec.set("publisher", publisher)
    rec.set("publisher-place", place)
    conf["publisher-place"] = conf.get("publisher", 1.0)


_INNER_YEAR_RX = re.compile(r"^(?P<head>.*?\w\W*?)[\s,]+(?P<year>(?:1[6-9]|20)\d\d)(?:\s+(?P<rest>\S.*))?$")


def year_inside_title(rec: Record, conf: dict[str, float]) -> None:
    """"Reunifying Self-Organizing Map 2007 RISP | Journal of Signal Processing", "Cross-
    validation: A review 1978 Math. Operationsforsch.": with no date found, a year standing in
    the title (or a container with no title) ends the title; it is the year, and the words
    after it open the journal."""
    title, container = rec.title, rec.get("container-title")
    text = title or container
    m = _INNER_YEAR_RX.match(text) if text and " " in text else None
    if not m or len(m.group("head").split()) < 3:
        return
    rest = m.group("rest") or ""
    if rest and not _LETTERS_RX.search(rest):
        return
    if title:
        rec.set("title", clean_title_text(m.group("head")))
        if rest and container and not _YEAR_RX.search(rest) and not re.search(r"\w[.?!]\s", rest):
            rec.set("container-title", clean_container(rest + " " + container))
    else:
        rec.set("title", clean_title_text(m.group("head")))
        rec.set("container-title", clean_container(rest))
        conf["title"] = min(conf.get("container-title", 1.0), 0.5)
    rec.issued = Date(int(m.group("year")))
    conf["issued"] = min(conf.get("title", 1.0), 0.5)


def title_in_container(rec: Record, conf: dict[str, float]) -> None:
    """"Studies in suture biology: dura mater. Plast. Reconstr. Surg. 101: 1441": the tagger
    read title and journal as one container and found no title; the first sentence, when it
    reads like a title (four words or more, two of them lower-case), is the title."""
    container = rec.get("container-title")
    if rec.title or not container or " " not in container:
        return
    for m in _TITLE_END_RX.finditer(container):
        head = container[: m.end("end")]
        if container[m.start()] == "." and _abbreviation(container[: m.start()].rsplit(" ", 1)[-1]):
            continue
        if len(head.split()) >= 4 and len(_LOWER_WORD_RX.findall(head)) >= 2:
            rec.set("title", clean_title_text(head))
            rec.set("container-title", clean_container(container[m.end():]))
            conf["title"] = min(conf.get("container-title", 1.0), 0.5)
            return


_TITLE_TAIL_ABBR_RX = re.compile(r"^(?P<title>.*[^\W\d_]{2}[.?!])\s+(?P<abbr>(?:[A-Z][a-z]{0,6}[b-df-hj-np-tv-z]\.\s*){1,2})$")


def publisher_after_place(segs: list[Segment]) -> list[Segment]:
    """"Houndmills, London, New York: St. Martin's Press": of two publishers the tagger found,
    the one after a place and a colon is the publisher; the other is a note."""
    found = [k for k, seg in enumerate(segs) if seg.label == "publisher"]
    if len(found) < 2:
        return segs
    best = next((k for k in found if k and segs[k - 1].label == "location" and segs[k - 1].text.rstrip().endswith(":")), -1)
    if best < 0 or best == found[0]:
        return segs
    return [Segment("note", seg.text, seg.confidence) if k in found and k != best else seg for k, seg in enumerate(segs)]


def _title_before(segs: list[Segment], label: str) -> int:
    """Where the first title segment is, when the segment after it has `label`; else -1."""
    for k, seg in enumerate(segs):
        if seg.label == "title":
            return k if k + 1 < len(segs) and segs[k + 1].label == label else -1
    return -1


def journal_abbreviation_after_title(segs: list[Segment]) -> list[Segment]:
    """"… du Portugal. I. La flore. Port. | Acta Biol. B": a journal's first abbreviations read
    as the end of the title go back to the journal that follows."""
    k = _title_before(segs, "container")
    if k < 0:
        return segs
    title, nxt = segs[k], segs[k + 1]
    last = title.text[title.text.rfind(" ") + 1:]
    m = _TITLE_TAIL_ABBR_RX.match(title.text) if len(last) <= 9 and last[-1:] == "." else None
    if not m:
        return segs
    return segs[:k] + [Segment("title", m.group("title"), title.confidence),
                       Segment("container", m.group("abbr").strip() + " " + nxt.text,
                               min(title.confidence, nxt.confidence))] + segs[k + 2:]


_LAST_CLAUSE_RX = re.compile(r"^(?P<title>.*\w),\s+(?P<last>[A-Z][^,.]{2,60}?)[.,]?$")
_PUBLISHER_WORD_RX = re.compile(r"\b(?:Press|Verlag|Librairie|[ÉE]ditions|Editora|Editorial|Publishers|Publishing|Books)\b")
_LAST_SENTENCE_RX = re.compile(r"^(?P<title>.*[^\W\d_]{2}[.?!])\s+(?P<last>[A-Z][^.]{2,80}?)[.,]?$")


def publisher_after_title(segs: list[Segment]) -> list[Segment]:
    """"The Greening of Boston. The Boston Foundation, | Boston, MA.": an organisation as the
    last sentence of a book's title, before its place and with no publisher found, is the
    publisher."""
    k = _title_before(segs, "location")
    if k < 0 or any(s.label == "publisher" for s in segs):
        return segs
    m = _LAST_SENTENCE_RX.match(segs[k].text) or _LAST_CLAUSE_RX.match(segs[k].text)
    if m and (_is_org(m.group("last")) or _PUBLISHER_WORD_RX.search(m.group("last"))) and len(
            m.group("last").split()) <= 8:
        conf = segs[k].confidence
        return segs[:k] + [Segment("title", m.group("title"), conf),
                           Segment("publisher", m.group("last"), min(conf, 0.5))] + segs[k + 1:]
    return segs


def _leftover_after_names(text: str) -> int:
    """Where a piece that is no name starts at the end of an author list, or -1: "M. C.
    Miller, Donors," (names written initials first, then a bare word)."""
    text = text.rstrip(" ,.;:")
    last = text[text.rfind(", ") + 2:]
    if ", " not in text or " " in last or not last[:1].isupper() or not _initial_word(text.split(" ", 1)[0]):
        return -1
    parts = text.split(", ")
    if _is_initials(last) or _ET_AL_HINT_RX.search(last):
        return -1
    if all(len(p.split()) > 1 and _initial_word(p.split()[0]) for p in parts[:-1]):
        return text.rindex(last)
    return -1


def title_start_in_authors(segs: list[Segment]) -> list[Segment]:
    """"K.C. King, Achilles. | Paradigms of the Hero": the first words of a title read as
    one more name go back to the title."""
    for k in range(len(segs) - 1):
        if segs[k].label == "author":
            if segs[k + 1].label != "title" or "," not in segs[k].text:
                break
            cut = _leftover_after_names(segs[k].text)
            if cut > 0:
                names, rest, title = segs[k].text[:cut], segs[k].text[cut:], segs[k + 1]
                return segs[:k] + [Segment("author", names, segs[k].confidence),
                                   Segment("title", rest + " " + title.text, min(title.confidence, 0.5))] + segs[k + 2:]
            break
    return segs


def to_record(segs: list[Segment]) -> tuple[Record, dict[str, float]]:
    """The first segment of each field gives its value; also each field's confidence."""
    segs = title_fallback(title_start_in_authors(title_in_names(split_author_tail(segs))))
    segs = publisher_after_title(journal_abbreviation_after_title(segs))
    if len(segs) > 4:
        segs = publisher_after_place(segs)
    rec = Record()
    conf: dict[str, float] = {}
    glued_page = ""
    marked_pages = any(s.label == "pages" and _PAGES_PREFIX_RX.match(s.text.lstrip("(")) for s in segs)
    notes = []
    for seg in segs:
        label = seg.label
        if label in _SKIPPED:
            continue
        if label == "note":  # "(Doctoral dissertation)", "Technical Report TR-7": kept, not dropped
            notes.append(_note_text(seg.text))
            continue
        if label == "pages" and marked_pages and not _PAGES_PREFIX_RX.match(seg.text.lstrip("(")):
            continue  # "2019 May 20-24; … p. 100-105": the pages are the ones marked "p."
        if label == "author" and _EDITED_RX.search(seg.text):
            label = "editor"  # "Bruford, A. J. and D. A. MacDonald, eds.": the book's editors
        key = _CONFIDENCE_KEY.get(label, label)
        if key in conf:
            continue
        if label in ("author", "editor"):
            names, truncated = split_names(seg.text, editors=label == "editor")
            if not names:
                continue
            setattr(rec, label, names)
            if truncated and label == "author":
                rec.custom["truncated"] = True
        elif label == "title":
            text = seg.text
            if text[:1] == "(":  # "(Louis-Ferdinand Destouches). Mort à credit.": the author's aside
                text = _LEAD_ASIDE_RX.sub("", text)
            if (". " in text or "(" in text) and any(hint in text for hint in _TITLE_NOTE_HINTS):
                text, *note = _TITLE_NOTE_RX.split(text, 1)
                notes.extend(_note_text(n) for n in note)  # "Translated by …", "(Doctoral dissertation)"
            value = clean_title_text(quoted_title(drop_role(text)))
            if not value:
                continue
            rec.set("title", value)
        elif label in _TEXT:
            value = clean_container(seg.text) if label == "container" else clean_text(seg.text)
            if not value:
                continue
            rec.set(_TEXT[label], value)
        elif label == "date":
            date, suffix = parse_date(seg.text)
            if not date:
                continue
            if ")" in seg.text and seg.text.rstrip(" .,;")[-1:].isdigit() and (m := _DATE_PAGE_RX.search(seg.text)):
                glued_page = m.group("page")
            rec.issued = date
            if suffix:
                rec.set("year-suffix", suffix)
        elif label in ("volume", "issue"):
            vol, iss = split_volume(seg.text) if label == "volume" else ("", clean_issue(seg.text))
            if vol and "volume" not in rec.fields:
                rec.set("volume", vol)
                conf["volume"] = seg.confidence
            if iss and "issue" not in rec.fields:
                rec.set("issue", iss)
                conf["issue"] = seg.confidence
            continue
        elif label == "pages":
            page, count = clean_pages(seg.text)
            if count:
                rec.set("number-of-pages", count)
                conf["number-of-pages"] = seg.confidence
                continue
            if not page:
                continue
            rec.set("page", page)
        elif label == "doi":
            doi = clean_doi(seg.text)
            if not doi:
                continue
            rec.set("DOI", doi)
        elif label == "url":
            url = seg.text.strip().rstrip(".,;)]")
            if "doi.org/10." in url and "DOI" not in rec.fields:
                rec.set("DOI", normalize_doi(url))
                conf["DOI"] = seg.confidence
            if url.startswith("10.") and "/" in url:  # a bare DOI read as a link
                if "DOI" not in rec.fields:
                    rec.set("DOI", normalize_doi(url))
                    conf["DOI"] = seg.confidence
                continue
            rec.set("URL", url)
        elif label == "isbn":
            isbn = re.sub(r"^ISBN(?:-1[03])?:?\s*", "", clean_text(seg.text), flags=re.IGNORECASE)
            if not isbn:
                continue
            rec.set("ISBN", isbn)
        elif label == "arxiv":
            m = _ARXIV_RX.search(seg.text)
            if not m:
                continue
            rec.custom["arxiv"] = m.group(1)
        conf[key] = seg.confidence
    if rec.issued is None:
        # no date span: a year standing outside the title and container is the year
        for seg in segs:
            if seg.label not in _NO_YEAR_LABELS:
                m = _LONE_YEAR_RX.search(seg.text) or seg.label == "volume" and _SLASH_YEAR_RX.search(seg.text)
                if m:
                    rec.issued = Date(int(m.group(1)))
                    conf["issued"] = min(seg.confidence, 0.5)
                    break
    for k, note in enumerate(notes):
        m = _ARTICLE_NUMBER_RX.match(note)
        if m and not rec.get("page"):  # "…, 287 (2012), Article 300": ScienceDirect's article number
            rec.set("page", m.group("n"))
            notes[k] = ""
    if any(notes):
        rec.set("note", "; ".join(n for n in notes if n))
    if rec.issued is None:
        year_inside_title(rec, conf)
    if glued_page and rec.get("page").startswith(("-", "–")):
        rec.set("page", normalize_pages(glued_page + rec.get("page")))  # "( 2004)165 -173"
    if glued_page and "page" not in rec.fields:
        rec.set("page", normalize_pages(glued_page))
        conf["page"] = min(conf.get("issued", 1.0), 0.5)
    paged_book_title(rec, conf, segs)
    book_title(rec, conf)
    title_in_container(rec, conf)
    place_in_publisher(rec, conf)
    rec.type = infer_type(rec)
    return rec, conf


def attach_confidence(rec: Record, conf: dict[str, float]) -> None:
    """custom: "confidence" (the weakest field), "field-confidence", "low-confidence"."""
    field_conf = {k: round(v, 3) for k, v in conf.items()}
    rec.custom["confidence"] = min(field_conf.values(), default=0.0)
    rec.custom["field-confidence"] = field_conf
    low = [k for k, v in field_conf.items() if v < LOW_CONFIDENCE]
    if low:
        rec.custom["low-confidence"] = low


_THESIS_RX = re.compile(r"\b(?:thesis|dissertation|th[eè]se|diss\.|phd|ph\.d\.|master'?s)\b", re.IGNORECASE)
_REPORT_RX = re.compile(r"\b(?:report|technical|working paper|preprint|memorandum|tr-?\d)\b", re.IGNORECASE)
_CONF_RX = re.compile(r"\b(?:proc\.?|proceedings|conference|conf\.|symposium|workshop|congress|meeting)\b", re.IGNORECASE)


def infer_type(rec: Record) -> str:
    """CSL type from which fields are there and what the container is called."""
    container = rec.get("container-title")
    blob = " ".join((container, rec.get("publisher"), rec.get("genre"), rec.get("note")))
    if _THESIS_RX.search(blob):
        return "thesis"
    if container and _CONF_RX.search(container):
        return "paper-conference"
    if container and (rec.editor or rec.get("publisher") and not rec.get("volume")):
        return "chapter"
    if container:
        return "article-journal"
    if _REPORT_RX.search(blob):
        return "report"
    if rec.get("publisher") or rec.get("ISBN") or rec.get("edition"):
        return "book"
    if rec.get("URL") and not rec.author:
        return "webpage"
    return "article-journal" if rec.get("volume") or rec.get("page") else "book" if rec.get("publisher-place") else "article"


# "2014;371(16):1507-17", "2017 Jun;7(6):e577": the NLM source part, read by rule (surer)
_NLM_SOURCE_RX = re.compile(
    r"(?P<year>(?:1[5-9]|20)\d\d)(?<![\w./-]\d{4})(?P<suffix>[a-z]?)(?:\s+(?P<month>[A-Z][a-z]{2,8})\.?(?:\s+\d{1,2})?)?"
    r"\s*;\s*(?P<rest>\d[^\s():;,]*\s*(?:\([^()]+\))?\s*(?::\s*[A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?)?)(?![\w-])"
)


_LOWER_LEAD_RX = re.compile(r"^(?P<tail>[a-z][\w'’-]*(?:\s+[\w'’-]+)*?)\.\s+(?P<journal>[A-Z].*)$")


def quote_inside_title(text: str, rec: Record, conf: dict[str, float]) -> None:
    """'Outcomes of "the quiet hour" in wards. BMJ. 2018': the tagger ends a title at a closing
    quote; the lower-case words after it, up to the sentence end, are the title's, not the
    journal's (journal names open with a capital)."""
    title, container = rec.title, rec.get("container-title")
    closer = _open_quote(title)
    if not closer or not container:
        return
    m = _LOWER_LEAD_RX.match(container)
    at = text.find(title)
    after = _AFTER_QUOTE_RX.match(text, at + len(title)) if m and at >= 0 else None
    if after:
        rec.set("title", f"{title}{closer} {after.group('tail')}")
        rec.set("container-title", m.group("journal"))


_AFTER_QUOTE_RX = re.compile(r"[\"”»]\s+(?P<tail>[a-z][^.?!]*)[.?!]\s")


def _open_quote(title: str) -> str:
    """The closing quote a title lacks (its end was cut at that quote), or ""."""
    if title.count('"') % 2:
        return '"'
    if title.count("“") > title.count("”"):
        return "”"
    return "»" if title.count("«") > title.count("»") else ""


_PRESS_TAIL_RX = re.compile(r"[.,;\s]+(?:in press|forthcoming|accepted|to appear|im druck|sous presse)\W*$",
                            re.IGNORECASE)


def journal_in_press(rec: Record, conf: dict[str, float]) -> None:
    """"Title. Radiology. In press.": the tagger reads "Radiology. In press" as a publisher. A
    work in press with neither a date nor a place names its journal there."""
    publisher = rec.get("publisher")
    m = _PRESS_TAIL_RX.search(publisher)
    if not m:
        return
    name = publisher[: m.start()].strip()
    rec.set("publisher", name)
    if name and not rec.get("container-title") and not rec.get("publisher-place") and rec.type != "chapter":
        rec.set("publisher", None)
        rec.set("container-title", name)
        conf["container-title"] = conf.pop("publisher", 0.5)
        rec.type = "article-journal"


def apply_source_rule(text: str, rec: Record, conf: dict[str, float]) -> None:
    """Year, volume, issue and page from an NLM source part, where the text has one."""
    from .fields import split_volume_pages

    m = _NLM_SOURCE_RX.search(text)
    if not m:
        return
    parts = split_volume_pages(m.group("rest"))
    if not parts.get("volume"):
        return
    month = MONTHS.get((m.group("month") or "")[:3].lower())
    rec.issued = Date(int(m.group("year")), month)
    conf.pop("issued", None)
    if m.group("suffix"):
        rec.set("year-suffix", m.group("suffix"))
    for key, value in parts.items():
        rec.set(key, value)
        conf.pop(key, None)
    # "Title. Journal. 2018;41(2):455-70": the sentence before the year is the journal; a title
    # that swallowed it gives it back
    journal = text[: m.start()].rstrip(" .,;").rsplit(". ", 1)[-1].strip()
    title = rec.title.rstrip(" .")
    if journal and title.endswith(". " + journal) and len(journal.split()) <= 8:
        rec.set("title", title[: -len(journal) - 2])
        rec.set("container-title", journal)
        conf["container-title"] = conf.get("title", 0.0)
    container = rec.get("container-title")
    lead = container[: -len(journal) - 2] if journal and container.endswith(". " + journal) else ""
    if lead and not title and len(journal.split()) <= 8 and _SENTENCE_LIKE_RX.fullmatch(lead):
        rec.set("title", clean_title_text(lead))  # no author: "Cholera in Haiti. MMWR. 2010;…"
        rec.set("container-title", journal)
        conf["title"] = conf.get("container-title", 0.0)


# three or more words, one of them lower-case, no period: a title, not "Invest. Ophthalmol Vis"
_SENTENCE_LIKE_RX = re.compile(r"(?=[^.]*\s[a-z]{2,}\b)[^.\s]+(?:\s+[^.\s]+){2,}")


# --- one reference string ------------------------------------------------------------------------

# words without which the identifier rules find nothing (they are slow to say so)
_DOI_HINT_RX = re.compile(r"10\.\d{4}")  # not "pp. 110." as a bare "10." would
_ID_HINTS = ("pmid", "pmc", "http", "ftp:", "www.", "doi", "arxiv", "corr", "abs/", "isbn", "issn",
             "cited", "accessed", "retrieved", "consult", "zugriff", "zugegriffen")
# "immuno- therapy": a word broken at a line end (not "pre- and post-")
_BROKEN_WORD_RX = re.compile(r"- (?<=[a-z]- )(?=[a-z])(?!(?:and|or|to|und|et|ou|y)\b)")
_ORG_TITLE_RX = re.compile(r"^(?P<org>[^.:;]{3,80}?)[.:]\s+(?P<title>\S.+)$")


def organisation_author(rec: Record, conf: dict[str, float]) -> None:
    """"World Health Organization. Global tuberculosis report": no author was found and the
    title opens with an organisation's name as a sentence of its own (known by its words, or
    by being the publisher too: "World Bank. … Washington, DC: World Bank"): that is the author."""
    if rec.author or rec.editor:
        return
    m = _ORG_TITLE_RX.match(rec.title)
    if m and (_is_org(m.group("org")) or m.group("org") == rec.get("publisher")) and len(m.group("org").split()) <= 8:
        rec.author = [Name(literal=m.group("org"))]
        rec.set("title", clean_title_text(m.group("title")))
        conf["author"] = conf.get("title", 0.0)


_AVAILABLE_RX = re.compile(r"\s*[\[(]?\s*(?:available|accessible|retrieved)\b.*$", re.IGNORECASE)


_CJK_VOLUME_NUMBER_RX = re.compile(r"(?:[제第]\s*)?(\d+)\s*[권卷輯辑집]")
_CJK_ISSUE_NUMBER_RX = re.compile(r"(?:[제第]\s*)?(\d+)\s*[호號号期]")


def cjk_volume_issue(text: str, rec: Record, conf: dict[str, float]) -> None:
    """"제19권, 제5호", "17권 3호", "第100輯", "第3期": volume and issue marked by the counter words after
    their numbers (the tagger reads them as a note); a lone "第3期" is the volume."""
    volume = _CJK_VOLUME_NUMBER_RX.search(text)
    issue = _CJK_ISSUE_NUMBER_RX.search(text)
    if volume and (not rec.get("volume") or not rec.get("volume").isdigit()):
        rec.set("volume", volume.group(1))
        conf.pop("volume", None)
    if issue and not volume and not rec.get("volume"):
        rec.set("volume", issue.group(1))
        conf.pop("volume", None)
    elif issue and volume and not rec.get("issue"):
        rec.set("issue", issue.group(1))
        conf.pop("issue", None)
    note = rec.get("note")
    if (volume or issue) and note and not _CJK_ISSUE_NUMBER_RX.sub("", _CJK_VOLUME_NUMBER_RX.sub("", note)).strip(" ,;."):
        rec.set("note", None)  # the note was only these counters


def named_resource(rec: Record, conf: dict[str, float]) -> None:
    """"Poppler. http://poppler.freedesktop.org. Accessed: 2015-05-12.": a web resource cited
    by its name alone; the tagger reads the one word before the address as an author, or the
    whole name as a publisher."""
    if rec.title or rec.get("container-title") or not rec.get("URL") or rec.editor:
        return
    if not rec.author and rec.get("publisher"):  # "National Human Genome Research Institute, ELSI Program, http://…"
        rec.set("title", clean_title_text(_AVAILABLE_RX.sub("", rec.get("publisher"))))
        rec.set("publisher", None)
        conf["title"] = min(conf.pop("publisher", 1.0), 0.5)
        return
    if len(rec.author) != 1:
        return
    name = rec.author[0]
    if name.given or not name.family or name.literal:
        return
    rec.author = []
    rec.set("title", name.family)
    conf["title"] = min(conf.pop("author", 1.0), 0.5)


_ROLES = ("director|producer|creator|composer|performer|narrator|host|writer|screenwriter|showrunner|"
          "photographer|interviewer|illustrator|compiler|conductor")
_CREDIT_RX = re.compile(
    rf"^(?P<names>[^\W\d][^.,;:()]*,\s*[^\W\d][^.,;:()]*(?:,?\s+(?:and|&)\s+[^.,;:()]+)?),\s*"
    rf"(?P<role>(?:{_ROLES})s?)\.\s+(?P<title>(?:(?:Dr|Mr|Mrs|Ms|St|Jr|Sr|vs)\.\s|[^.?!])+[.?!])(?:\s|$)",
    re.IGNORECASE,
)


def credited_maker(text: str, rec: Record, conf: dict[str, float]) -> None:
    """"Soderbergh, Steven, director. Che. DVD. Criterion, 2010.": MLA names a film's or a
    recording's maker with the role after the name. The tagger, trained on articles, reads such
    a credit as a note or the role as one more name; the credit is the author, the next
    sentence the title."""
    m = _CREDIT_RX.match(text)
    if not m:
        return
    names, _ = split_names(m.group("names"))
    if not names or any(n.literal or not n.given for n in names):
        return
    rec.author = names
    credit = m.group(0)[: m.start("title")]
    if not rec.title or rec.title in credit or m.group("role") in rec.title:
        rec.set("title", clean_title_text(m.group("title")))
        conf["title"] = min(conf.get("title", 1.0), 0.6)
    read = m.group(0).strip()  # the credit and the title
    if rec.get("note").startswith(read):  # the tagger's note held them too
        rec.set("note", rec.get("note")[len(read):].strip(" .;") or None)
    if m.group("role").lower().startswith("director"):
        _as_film(rec)
    conf["author"] = min(conf.get("author", 1.0), 0.8)


_RUNTIME_RX = re.compile(r"\d+\s*min(?:utes)?\.?", re.IGNORECASE)


def _as_film(rec: Record) -> None:
    """A film has a distributor, not a journal, and a running time, not pages."""
    rec.type = "motion_picture"
    container = rec.get("container-title")
    if container.startswith(rec.title):
        container = container[len(rec.title):].lstrip(" .,")
    rec.set("container-title", None)
    if container and not rec.get("publisher"):
        rec.set("publisher", container)
    if _RUNTIME_RX.fullmatch(rec.get("page")):
        rec.set("dimensions", rec.get("page"))
        rec.set("page", None)


_ANONYMOUS = r"\[?(?:anonymous|anon|anonym|anonyme|anónimo|anonimo)\]?"
_ANONYMOUS_RX = re.compile(_ANONYMOUS + r"\.?", re.IGNORECASE)
_ANONYMOUS_LEAD_RX = re.compile("^" + _ANONYMOUS + r"[.,:]?\s+(?=\S)", re.IGNORECASE)


def anonymous_work(rec: Record) -> None:
    """"Anonymous. The year in review…": the work is signed "Anonymous", which is its author
    (as BibTeX styles and the training labels have it), not the start of its title or a note."""
    if rec.author or rec.editor:
        return
    m = _ANONYMOUS_LEAD_RX.match(rec.title)
    if m:
        rec.set("title", rec.title[m.end():])
        rec.author = [Name(literal=m.group(0).strip(" .,:[]"))]
    elif _ANONYMOUS_RX.fullmatch(rec.get("note")):
        rec.author = [Name(literal=rec.get("note").strip(" .[]"))]
        rec.set("note", None)


def tag_reference(text: str) -> Record:
    """Parse one reference with the learned tagger; identifiers by rule where rules are surer."""
    from .identifiers import take_identifiers
    from .tagger import tag, tokenize

    text = unglue_pages(_BROKEN_WORD_RX.sub("", " ".join(text.split())))
    tokens = tokenize(text)
    labels, probs = tag(tokens)
    rec, conf = to_record(segments(text, tokens, labels, probs))
    if rec.issued is None and (press := _IN_PRESS_RX.search(text)):
        rec.issued = Date(literal=press.group(0).lower())
    anonymous_work(rec)
    organisation_author(rec, conf)
    credited_maker(text, rec, conf)
    quote_inside_title(text, rec, conf)
    journal_in_press(rec, conf)
    apply_source_rule(text, rec, conf)
    if not text.isascii() and any(c in text for c in "권호卷號号期輯辑집"):
        cjk_volume_issue(text, rec, conf)
    ids = Record()
    low = text.lower()
    if _DOI_HINT_RX.search(text) or any(hint in low for hint in _ID_HINTS):
        take_identifiers(text, ids)
    for key in ("DOI", "PMID", "PMCID", "ISBN", "ISSN"):
        if ids.get(key):
            rec.set(key, clean_doi(ids.get(key)) if key == "DOI" else ids.get(key))
            conf.pop(key, None)  # a rule's match, not a guess
    if ids.custom.get("arxiv"):
        rec.custom["arxiv"] = ids.custom["arxiv"]
    if ids.accessed:
        rec.accessed = ids.accessed
    if ids.get("URL") and not rec.get("URL") and "doi.org/" not in ids.get("URL"):
        rec.set("URL", ids.get("URL"))
    named_resource(rec, conf)
    if rec.type == "article":  # fields found by rule may say what it is (a URL and no author: a web page)
        rec.type = infer_type(rec)
    attach_confidence(rec, conf)
    return rec


def read_reference(text: str) -> Record | None:
    """One reference string -> Record, or None when it does not read as a reference: two kinds
    of evidence make one (names, title, container or publisher, date, volume or page, an
    identifier)."""
    rec = tag_reference(text)
    evidence = (
        bool(rec.author or rec.editor), bool(rec.title), bool(rec.get("container-title") or rec.get("publisher")),
        rec.issued is not None, bool(rec.get("volume") or rec.get("page")),
        bool(rec.doi or rec.get("URL") or rec.get("ISBN") or rec.custom.get("arxiv")),
    )
    return rec if sum(evidence) >= 2 else None
