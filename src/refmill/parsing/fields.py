"""Fields of one reference by rules: `parse_reference(text) -> Record | None`.

A reference is read in four steps, whatever its style (Vancouver/NLM, AMA, APA, Harvard,
Chicago, MLA, IEEE, Nature, and their relatives in other languages):

1. identifiers anywhere (`identifiers.take_identifiers`);
2. the author list at the start and the year after it, if the style puts it there
   (`names.scan_names`; organisations and unusual lists end at the year);
3. the title: quoted, or up to the boundary after which the rest reads best as a source;
4. the source part (`source.read_source`): journal, volume, issue, pages; or place and
   publisher; or "In: Editors (eds.), Book …"; thesis and report markers.

The ScienceDirect layout prints the source on its own line; `apply_source` reads that line.
"""
from __future__ import annotations

import re

from ..model import Date, Name, Record, clean_title, normalize_pages
from .clean import strip_markup
from .identifiers import take_identifiers
from .names import PLACEHOLDER_RX, EDITED_LIST_RX, NameList, family_initials, given_family, is_et_al, is_organisation, lenient_names, scan_names
from .source import _DATE, MONTHS, Source, _cuts, date_of, boundary_score, container_score, read_source

# --- the source line of the ScienceDirect layout: "Journal. Year; Vol(Issue): pages" --------

_SOURCE_RX = re.compile(
    r"^(?P<journal>.*?[.,]?)\s+(?P<year>(?:1[5-9]|20)\d\d)(?P<suffix>[a-z]?)"
    r"(?:\s+(?P<month>[A-Z][a-z]{2,8})(?:\s+(?P<day>\d{1,2}))?)?"
    r"\s*(?:;\s*(?P<rest>.*?))?\s*\.?\s*$"
)


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
    month = MONTHS.get((m.group("month") or "")[:3].lower())
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


# --- one whole reference ----------------------------------------------------------------------

_YEAR_AFTER_RX = re.compile(
    rf"\s*[.,:;]?\s*(?P<open>\(\s*)?(?:{_DATE}|(?P<nd>n\.\s?d\.|s\.\s?d\.|in press|forthcoming|im Druck|sous presse))"
    rf"(?P<ys2>[A-Z])?(?(open)\s*\)|(?=[\s.,:;]|$))\s*[.,:;]?\s*",
    re.IGNORECASE,
)
_APA_RX = re.compile(rf"^(?P<who>[^()“”\"«]{{2,160}}?)\s*[.,]?\s*\(\s*(?:{_DATE}|n\.\s?d\.)\s*\)", re.IGNORECASE)
_HARVARD_RX = re.compile(r"^(?P<who>[^.:;()“”\"«\d]{2,80}?)[.,]?\s+(?=(?:1[5-9]|20)\d\d[a-zA-Z]?[.,:]?\s)")
_ORG_RX = re.compile(r"^(?P<who>[^.:;()“”\"«\d]{2,120}?)\s*(?:[.:]\s|\.$|\s(?=\((?:1[5-9]|20)\d\d))")
_QUOTES = {"“": "”\"", '"': "\"”“", "‘": "’'", "'": "'’", "«": "»", "„": "“”\"", "‚": "‘’'", "`": "'’"}
_STATUS_RX = re.compile(r"\b(?:in press|forthcoming|to appear|accepted for publication|im Druck|sous presse|en prensa)\b\.?", re.IGNORECASE)
_CONTRIB_RX = re.compile(
    r"(?<=[.?!])\s+(?P<role>Translated|Trans\.|Transl\.|Edited|Ed\.|Eds\.|Hg\.|Hrsg\.|Introduction|"
    r"With an introduction|Foreword|Preface|Revised|Compiled|Übers\.|Übersetzt|Traduit|Trad\.)"
    r"(?:\s+(?:by|von|v\.|par))?\s+(?P<names>[^.]+?)\.(?=\s|$)"
)
_EDITION_RX = re.compile(
    r"(?:^|(?<=[,.;]\s)|(?<=\s))(?P<ed>(?P<n>\d{1,2})(?:st|nd|rd|th|\.|e|ème)?|[Ss]econd|[Tt]hird|[Ff]ourth|[Ff]ifth|[Rr]evised|[Ee]xpanded|[Nn]ew)"
    r"\s+(?:rev(?:ised)?\.?\s+)?(?:ed(?:ition|n)?\.?|Aufl(?:age|\.)|überarbeitete Auflage|éd(?:ition|\.)?|edición|edizione)(?=[\s.,;]|$)",
)
_NOTE_RX = re.compile(
    r"\s*[\[(](?P<note>abstract|abstr\.|letter|editorial|erratum|comment(?:ary)?|review|in [A-Z][a-z]+)[\])]"
    r"|\s*\[(?P<orig>[^\[\]]{3,80})\]\.?$",  # "[Copenhagen: G.E.C., 1937]": the original edition
    re.IGNORECASE,
)
_BRACKET_GENRE_RX = re.compile(
    r"\s*\[(?P<genre>(?:Ph\.?\s?D\.?|doctoral|master'?s?|M\.?Sc\.?|bachelor'?s?)\s+(?:thesis|dissertation)|dissertation|thesis|"
    r"(?:technical\s+)?report|dataset|software|video|podcast|blog|editorial|letter|abstract)\]", re.IGNORECASE)
_GENRE_RX = re.compile(r"(?:^|[.,;]\s*|\s)(?P<genre>preprint|unpublished(?: manuscript)?|manuscript|working paper|submitted)\b\.?", re.IGNORECASE)
_TITLE_END_STOP = frozenset("of the and in on for to a an with from by at or as its their via de la le et des du".split())


def _prepare(text: str) -> str:
    text = strip_markup(text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(?:\[\d{1,4}\]|\(\d{1,4}\)|\d{1,3}\.(?=[^\W\d_]|\s)|\d{1,3}\s?[-–)]\s)\s*", "", text)
    return re.sub(r"\s*\((?:sic!?|sic\.)\)", "", text, flags=re.IGNORECASE)


def _repair_spacing(text: str) -> str:
    """PDF spacing ("Energy 112 ( 2013)393- 395", "Phys .Rev .D", "chain ,Theor") -> normal."""
    # a glued page marker, "Engineeringpp .1" or "Energypp.393", not "Knapp. 12"
    text = re.sub(r"(?<=[^\W\d_p])(pp?)(?:\.|\s+\.\s*)(?=\d)", r" \1. ", text)
    text = re.sub(r"\s+([,;])", r"\1", text)
    text = re.sub(r"([,;])(?=[^\s\d])", r"\1 ", text)
    text = re.sub(r"(?<=[^\W\d_]):(?=[A-Z])", ": ", text)
    text = re.sub(r"\s:(?=[A-Z])", ": ", text)
    text = re.sub(r"(?<=\S)\s\.(?=[^\W_])", ". ", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r"\s+\)", ")", text)
    text = re.sub(r"(?<=\d)\s*([-–])\s+(?=\d)|(?<=\d)\s+([-–])\s*(?=\d)", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"\)(?=\d)", ") ", text)
    text = re.sub(r"(?<=[^\W\d_])\?(?=[^\W\d_])", "'", text)  # "D?Souza": a lost apostrophe
    text = re.sub(r"(?<=\d)\?(?=\d)", "-", text)  # "420?431": a lost dash
    return re.sub(r"\s+", " ", text).strip()


def _date_from(m: re.Match) -> Date | None:
    return date_of(m) if m.group("year") else None


def _title_score(title: str, whole: str) -> float:
    words = title.split()
    if not words:
        return -9.0
    score = 0.0
    if words[-1].lower().strip(",.;:") in _TITLE_END_STOP:
        score -= 2.0
    if re.search(r"\b\d+\s*\(\d+\)\s*:|\b(?:1[5-9]|20)\d\d\s*;\s*\d", title):
        score -= 3.0
    if len(words) == 1 and len(whole.split()) > 3:
        score -= 0.7
    if re.search(r"\b(?:pp?\.|vol\.|Vol\.)\s*\d", title):
        score -= 1.5
    return score


def _quoted_title(rest: str) -> tuple[str, str] | None:
    """A title in quotes at (or near) the start of `rest`: ("title", "what follows").

    A quote after other words counts only when those words are names or a year
    ("Hebdige, Dick. 2003. « Dis-Gnosis … »"), or when "In" follows it; a quoted phrase
    inside a title ("Optimismus: ‚Land des Lächelns’ oder …") is not the title.
    """
    for m in re.finditer(r"[“\"‘'«„‚`]", rest[:80]):
        opener, start = m.group(0), m.start()
        prefix = rest[:start].strip()
        if opener in "'‘`’" and start > 0 and rest[start - 1].isalpha():
            continue  # an apostrophe
        closers = _QUOTES[opener]
        end = None
        for k in range(start + 1, len(rest)):
            if rest[k] in closers and (opener not in "'‘" or k + 1 >= len(rest) or not rest[k + 1].isalpha()):
                end = k
                break
        if end is None:
            if len(rest) - start > 300:
                return None
            end = len(rest)  # a quote the paste cut off
        if end - start < 3:
            continue
        title = rest[start + 1:end].strip(" ,.;:")
        after = rest[end + 1:]
        ok = (
            not prefix
            or re.search(r"(?:1[5-9]|20)\d\d[a-z]?\.?$", prefix)
            or prefix[-1] in ".," and scan_names(prefix).end >= len(prefix.rstrip(" .,")) - 1
            or re.match(r"\s*[.,]\s*(?:In|in)\b", after)
        )
        if ok and re.search(r"[^\W\d_]", title):
            return title, after.strip(" ,.;:")
        return None
    return None


def _split_title(rest: str) -> tuple[str, str]:
    """Where the title ends: after its closing quote, or at the cut whose tail reads best
    as a source."""
    best, best_score = _best_cut(rest)
    quoted = _quoted_title(rest)
    if quoted:
        after = read_source(quoted[1]).score if quoted[1] else 0.0
        # a quoted phrase that opens a longer title: '"Alors on a ri". Die … In: …'
        if not (best_score > after + 2.0 and rest[:1] in "\"“‘«„" and best[0].strip("\"“”‘’«» ").startswith(quoted[0][:20])):
            return quoted
    return best


def _best_cut(rest: str) -> tuple[tuple[str, str], float]:
    cuts = set(_cuts(rest))
    # a title may also end, unpunctuated, before a year, a label or an abbreviated journal
    for m in re.finditer(r"\s(?=(?:1[5-9]|20)\d\d\b|(?:pp?\.|pages?|[Vv]ol\.)\s*\d|[A-Z][a-z]{0,5}\.\s[A-Z][a-z]{0,5}\.|Ph\.?\s?D|PhD|[Mm]aster'?s? [Tt]hesis|[Dd]octoral|[Dd]issertation)", rest):
        cuts.add(m.end())
    best, best_score = (rest, ""), -99.0
    for cut in sorted(cuts)[:120]:
        title = rest[:cut].strip(" ,;:(")
        tail = rest[cut:].strip()
        if not title:
            continue
        src = read_source(tail) if tail else None
        score = (src.score if src else 0.0) + boundary_score(rest, cut) + _title_score(title, rest)
        if score > best_score:
            best, best_score = (title, tail), score
    return best, best_score


def _authors(body: str, rec: Record) -> int:
    """Read the author list (and the year after it) into `rec`; return where it ended."""
    org = _ORG_RX.match(body)
    if org and is_organisation(org.group("who")) and not PLACEHOLDER_RX.match(body):  # before names: "World Health Organization"
        names = NameList(names=[Name(literal=org.group("who").strip())], end=org.end("who"))
    else:
        names = scan_names(body)
    pos = names.end
    people = names.names
    if not people and not names.placeholder:
        for rx in (_APA_RX, _HARVARD_RX):
            m = rx.match(body)
            if m and not re.search(r"[.?!]\s+[a-z]", m.group("who")) and len(m.group("who").split()) <= 16:
                who = m.group("who")
                if rx is _HARVARD_RX and not all(w[0].isupper() or w in ("et", "and", "&", "y", "von", "van", "de", "der", "di", "da") for w in who.replace(",", " ").split()):
                    continue
                people = lenient_names(who)
                if people:
                    pos = len(who)
                    break
        else:
            m = _ORG_RX.match(body)
            eds = EDITED_LIST_RX.match(body)
            if m and is_organisation(m.group("who")):
                people = [Name(literal=m.group("who").strip())]
                pos = m.end("who")
            elif eds:  # "AUBERT GABRIEL et LEMPEN KARINE (édit.), Commentaire …"
                rec.editor = lenient_names(eds.group("who"))
                return eds.end()
    if names.truncated:
        rec.custom["truncated"] = True
    if names.editors:
        rec.editor = people
    else:
        rec.author = people
    m = _YEAR_AFTER_RX.match(body, pos)
    if m and (people or names.placeholder or m.group("open")):
        date = _date_from(m)
        if date:
            rec.issued = date
            if m.groupdict().get("ys") or m.groupdict().get("ys2"):
                rec.set("year-suffix", (m.group("ys") or m.group("ys2")).lower())
        elif m.group("nd"):
            status = m.group("nd").lower()
            if "press" in status or "forthcoming" in status or "druck" in status or "presse" in status:
                rec.set("status", "in press")
        pos = m.end()
    return pos


MAX_LENGTH = 3000  # longer text is prose, not one reference (and would be slow to try)

_KIND_TYPE = {
    "journal": "article-journal",
    "proceedings": "paper-conference",
    "chapter": "chapter",
    "book": "book",
    "thesis": "thesis",
    "report": "report",
}


def fill_source(rec: Record, src: Source) -> None:
    """Put what a source part said into `rec` (the date only when the author part had none)."""
    for key, value in src.fields.items():
        if key == "container-title":
            value = _journal(value) if src.kind == "journal" else value.strip(" .,")
        if key == "page":
            value = normalize_pages(value)
        rec.set(key, value)
    if src.date and not (rec.issued and rec.issued.year):
        rec.issued = src.date
    for key in ("publisher", "publisher-place"):
        m = re.search(r"[,\s]+((?:1[5-9]|20)\d\d)$", rec.get(key))
        if m:  # "Würzburg: Königshausen & Neumann 2008"
            rec.set(key, rec.get(key)[: m.start()])
            if not rec.issued:
                rec.issued = Date(int(m.group(1)))
    if src.editors and not rec.editor:
        rec.editor = src.editors
    if src.leftover and src.kind in ("journal", "proceedings", "chapter", "book"):
        rec.set("note", "; ".join(x for x in (rec.get("note"), src.leftover) if x))
    if src.kind and rec.type == "article-journal":
        rec.type = _KIND_TYPE.get(src.kind, rec.type)


def parse_reference(text: str) -> Record | None:
    """One reference in any common style -> Record, or None when it does not read as one."""
    text = _prepare(text)
    if len(text) > MAX_LENGTH or not re.search(r"[^\W\d_]{2}", text):
        return None
    rec = Record()
    body = _repair_spacing(take_identifiers(text, rec))
    status = _STATUS_RX.search(body)
    if status:
        rec.set("status", "in press")
        body = (body[: status.start()] + body[status.end():]).strip()
    pos = _authors(body, rec)
    rest = body[pos:].strip(" .,;:")
    m = _NOTE_RX.search(rest)
    if m:  # "(abstract)", "[letter]", "[in Slovak]"
        rec.set("note", m.group("note") or m.group("orig"))
        rest = (rest[: m.start()] + rest[m.end():]).strip(" .,;:")
    m = _BRACKET_GENRE_RX.search(rest)
    if m:  # Vancouver's "[PhD thesis]", "[dissertation]", "[Internet]"
        rec.set("genre", m.group("genre"))
        rest = (rest[: m.start()] + rest[m.end():]).strip(" .,;:")
    m = _GENRE_RX.search(rest)
    if m and m.start() > 0:  # "…, Preprint 2004"
        rec.set("genre", m.group("genre"))
        rest = (rest[: m.start()] + " " + rest[m.end():]).strip(" .,;:")
    rest = re.sub(r"\s*\((\d+(?:st|nd|rd|th)?\.?\s+(?:rev\.\s+)?ed(?:ition|n)?\.?)\)", r", \1", rest)  # APA "(2nd ed.)"
    m = _EDITION_RX.search(rest)
    if m and m.start() > 0:
        rec.set("edition", m.group("n") or m.group("ed"))
        rest = (rest[: m.start()] + rest[m.end():]).strip(" .,;:")
    for m in reversed(list(_CONTRIB_RX.finditer(rest))):
        if m.group("role").lower().startswith(("ed", "hg", "hrsg")) and not rec.editor:
            rec.editor = lenient_names(re.sub(r"\s+et al\.?$", "", m.group("names")))
        rest = rest[: m.start()] + rest[m.end():]
    title, tail = _split_title(rest) if rest else ("", "")
    src = read_source(tail) if tail else None
    if src:
        fill_source(rec, src)
    title = clean_title(title.strip(" \"“”‘’'«»„,"))
    rec.set("title", title)
    kind = src.kind if src else ""
    genre = rec.get("genre").lower()
    if re.search(r"thesis|dissertation", genre):
        kind = "thesis"
    elif "report" in genre:
        kind = "report"
    rec.type = _KIND_TYPE.get(kind) or ("book" if rec.editor and not rec.author else "")
    if not rec.type:
        rec.type = "webpage" if rec.get("URL") and not rec.get("container-title") else "document"
    if rec.type == "article-journal" and rec.get("container-title") and container_score(rec.get("container-title")) < -1:
        rec.type = "document"
    has_id = any(rec.get(k) for k in ("DOI", "URL", "ISBN", "PMID", "PMCID")) or rec.custom.get("arxiv")
    has_source = rec.get("container-title") or rec.get("publisher") or rec.get("status")
    has_source = has_source or rec.get("page") or rec.get("volume")
    if not re.search(r"[^\W\d_]{2}|[^\W\d_a-zA-Z]", rec.title) or not (rec.issued or has_id or has_source or rec.author):
        return None
    return rec
