"""Fields of one reference by rules: identifiers, the "Journal. Year; Vol(Issue): pages"
source part, and Vancouver/NLM author lists.
"""
from __future__ import annotations

import re

from ..model import Date, Name, Record, clean_title, normalize_doi, normalize_pages
from .names import family_initials, given_family, is_et_al

# --- identifiers -------------------------------------------------------------------------

_DOI_SEGMENT_RX = re.compile(
    r"(?:\bdoi:?\s*)?(?:\bhttps?://(?:dx\.)?doi\.org/\s*)?(10\.\d{4,9}/\S+)", re.IGNORECASE
)
_PMID_RX = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMCID_RX = re.compile(r"\bPMCID:?\s*(PMC\d+)\b|\b(PMC\d{5,})\b", re.IGNORECASE)
_URL_RX = re.compile(r"(?:Available (?:from|at):?\s*)?\bhttps?://\S+", re.IGNORECASE)


def take_identifiers(text: str, rec: Record) -> str:
    """Move DOI, PMID, PMCID and URL from `text` into `rec`; return the text without them."""
    m = _DOI_SEGMENT_RX.search(text)
    if m:
        doi = normalize_doi(m.group(1))
        if doi:
            rec.set("DOI", doi)
            end = m.start(1) + len(doi)
            text = text[: m.start()] + text[end:]
    m = _PMID_RX.search(text)
    if m:
        rec.set("PMID", m.group(1))
        text = text[: m.start()] + text[m.end():]
    m = _PMCID_RX.search(text)
    if m:
        rec.set("PMCID", (m.group(1) or m.group(2)).upper())
        text = text[: m.start()] + text[m.end():]
    m = _URL_RX.search(text)
    if m:
        url = m.group(0)
        url = re.sub(r"^Available (?:from|at):?\s*", "", url, flags=re.IGNORECASE).rstrip(".,;")
        rec.set("URL", url)
        text = text[: m.start()] + text[m.end():]
    return re.sub(r"\s+", " ", text).strip(" .;,")


# --- the source part: "Journal. Year; Vol(Issue): pages" ----------------------------------

_SOURCE_RX = re.compile(
    r"^(?P<journal>.*?[.,]?)\s+(?P<year>(?:1[5-9]|20)\d\d)(?P<suffix>[a-z]?)"
    r"(?:\s+(?P<month>[A-Z][a-z]{2,8})(?:\s+(?P<day>\d{1,2}))?)?"
    r"\s*(?:;\s*(?P<rest>.*?))?\s*\.?\s*$"
)
_MONTHS = {m: i for i, m in enumerate(
    "jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def _journal(text: str) -> str:
    """The journal as printed, without the separator period.

    The period stays when it belongs to a short final abbreviation after full words
    ("Blood Adv.", "Blood Cancer J."); NLM-style titles ("N Engl J Med") and full titles
    ("Lancet") lose it.
    """
    text = text.strip().rstrip(",;").strip()
    if not text.endswith("."):
        return text
    words = text[:-1].split()
    last = words[-1] if words else ""
    if len(words) >= 2 and len(last) <= 3 and last[:1].isupper() and all(len(w) >= 5 for w in words[:-1]):
        return text
    if len(words) == 1 and len(last) == 1:
        return text
    return text[:-1].rstrip()


def split_volume_pages(rest: str) -> dict[str, str]:
    """"145 (14): 1485–1497" -> volume, issue, page; repairs lost separators:
    "7e577" -> 7 / e577, "34101305" -> 34 / 101305 (article numbers are six digits)."""
    rest = rest.strip().rstrip(".")
    out: dict[str, str] = {}
    m = re.fullmatch(
        r"(?P<vol>[^():]*?)\s*(?:\((?P<iss>[^)]*)\))?\s*(?::\s*(?P<pages>.+))?", rest
    )
    if not m:
        return out
    vol, iss, pages = (g.strip() if g else "" for g in m.group("vol", "iss", "pages"))
    if vol and not pages and not iss:
        glued = re.fullmatch(r"(\d{1,4})([A-Za-z]+\d+)", vol)
        if glued:
            vol, pages = glued.groups()
        elif re.fullmatch(r"\d{7,10}", vol):
            vol, pages = vol[:-6], vol[-6:]
    if vol:
        out["volume"] = vol
    if iss:
        out["issue"] = iss
    if pages:
        out["page"] = normalize_pages(pages)
    return out


def parse_source(line: str) -> tuple[dict[str, str], Date] | None:
    """"Blood Cancer J. 2017; 7e577" -> ({container-title, volume, page}, Date)."""
    m = _SOURCE_RX.match(line.strip())
    if not m or not m.group("journal").strip():
        return None
    out = {"container-title": _journal(m.group("journal"))}
    out.update(split_volume_pages(m.group("rest") or ""))
    month = _MONTHS.get((m.group("month") or "")[:3].lower())
    day = int(m.group("day")) if month and m.group("day") else None
    if m.group("suffix"):
        out["year-suffix"] = m.group("suffix")
    return out, Date(int(m.group("year")), month, day)


def apply_source(rec: Record, line: str) -> bool:
    """Fill the source fields of `rec` from `line`; False when the line is not a source."""
    parsed = parse_source(line)
    if not parsed:
        return False
    values, date = parsed
    for key, value in values.items():
        rec.set(key, value)
    rec.issued = date
    return True


# --- authors -----------------------------------------------------------------------------

def parse_author_list(text: str, given_first: bool = False) -> tuple[list[Name], bool]:
    """"Terwilliger T, Abdul-Hay M, et al" -> names and whether the list was truncated."""
    names: list[Name] = []
    truncated = False
    for part in re.split(r",\s*|;\s*|\s+and\s+|\s*&\s*", text.strip().rstrip(".")):
        part = part.strip()
        if not part:
            continue
        if is_et_al(part):
            truncated = True
            continue
        m = re.match(r"^(.*?)\s+et\.?\s*al\.?$", part)
        if m:
            truncated = True
            part = m.group(1)
        name = given_family(part) if given_first else (family_initials(part) or given_family(part))
        if name:
            names.append(name)
    return names, truncated


# --- a whole reference on one line (Vancouver / NLM / ICMJE, Blood "Citation") ---------------

_AUTHORS_END_RX = re.compile(r"^(?P<authors>.*?(?:\b[A-Z]{1,4}|\bet al))\.\s+(?P<rest>.+)$")


def parse_reference(text: str) -> Record | None:
    """One Vancouver-style reference -> Record, or None when it is not one.

    "Authors. Title. Journal. Year;Vol(Issue):pages. doi:…" and the Silverchair citation
    "Given Family, Given Family; Title. Journal Year; Vol (Issue): pages. doi: …".
    """
    rec = Record()
    body = take_identifiers(text, rec)
    given_first = False
    if ";" in body.split(". ", 1)[0] and re.match(r"^[^;]+;\s", body):
        authors_text, _, rest = body.partition("; ")
        given_first = True
    else:
        m = _AUTHORS_END_RX.match(body)
        if not m:
            return None
        authors_text, rest = m.group("authors"), m.group("rest")
    rec.author, truncated = parse_author_list(authors_text, given_first)
    if truncated:
        rec.custom["truncated"] = True
    # the source part starts after the last sentence end that leaves "<Journal> <Year>;…"
    title, source = rest, ""
    for candidate in _source_starts(rest):
        head, tail = rest[:candidate].strip(), rest[candidate:].strip()
        if parse_source(tail):
            title, source = head, tail
            break
    if not source or not rec.author:
        return None
    rec.set("title", clean_title(title))
    apply_source(rec, source)
    return rec


def _source_starts(text: str) -> list[int]:
    """Offsets after each ". " (sentence ends), last first: where the source part may begin."""
    starts = [m.end() for m in re.finditer(r"[.?!]\s+", text)]
    return sorted(starts, reverse=True)
