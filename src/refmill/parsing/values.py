"""Field values from the spans the tagger labels: the punctuation, brackets and quotes a style
wraps them in taken off; volume and issue, pages, dates and DOIs in their normal forms."""
from __future__ import annotations

import re

from ..model import Date, clean_title, normalize_doi, normalize_pages

_EDGE = " \t.,;:/"

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
_ISS_PREFIX_RX = re.compile(r"^(?:nos\.?|no\.?|nr\.?|num(?:ber)?\.?|iss(?:ue)?\.?|n°|#|fasc(?:icule)?\.?|heft)\s*", re.IGNORECASE)
_VOL_ISSUE_RX = re.compile(r"^(?P<vol>[^()]+?)\s*\((?P<iss>[^()]+)\)$")


_VOL_THEN_ISSUE_RX = re.compile(
    r"^(?P<vol>[\dIVXLCivxlc]+[A-Z]?)\s*(?:[:.(,;/]\s*|\s+)(?:(?:no|nr|issue|iss|n°|[Ff]asc|[Hh]eft)\.?\s*)?(?P<iss>\d[\dA-Za-z/–-]*)\)?(?:\s.*)?$"
)


_CJK_VOLUME_RX = re.compile(r"(?<=\d)\s*[권집卷巻号호期]$|^[제第]\s*")
_VOL_NO_RX = re.compile(r"^(?P<vol>.+?)\s*,?\s*(?:nos\.?|no\.?|nr\.?|issue|n°|fasc(?:icule)?\.?|heft)\s*(?P<iss>\S.*)$", re.IGNORECASE)
# "67 Suppl 2", "73 Pt 10": a supplement or part is the issue, as PubMed writes it
_VOL_SUPPLEMENT_RX = re.compile(r"^(?P<vol>\d+)\s*,?\s*(?P<iss>(?:Suppl(?:ement)?|Pt|Part)\.?(?:\s*\d+[A-Za-z]?)?)\W*$", re.IGNORECASE)


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
    m = _VOL_SUPPLEMENT_RX.match(text)
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


PAGES_PREFIX_RX = re.compile(r"^(?:pages?|pgs?\.?|pp?\.?|s\.|seiten?)\s*", re.IGNORECASE)
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
    text = clean_text(PAGES_PREFIX_RX.sub("", text))
    if "(" in text or "." in text:
        text = _PAGES_EDGE_RX.sub("", text)
    return normalize_pages(_DASH_SPACE_RX.sub("", text) if " " in text else text), ""


YEAR_RX = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)([a-z])?(?![\d])")
IN_PRESS = r"(?:in press|forthcoming|accepted|submitted|to appear|im druck|sous presse)"  # a date to come
IN_PRESS_RX = re.compile(rf"\b{IN_PRESS}\b", re.IGNORECASE)


_WORDS3_RX = re.compile(r"[^\W\d_]{3,}")


def parse_date(text: str) -> tuple[Date | None, str]:
    """"(2020a)." -> (Date(2020), "a"); "September 2014" -> month too; "in press" -> literal."""
    m = YEAR_RX.search(text)
    if not m:
        press = IN_PRESS_RX.search(text)
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

