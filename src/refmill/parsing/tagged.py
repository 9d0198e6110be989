"""Tagged tokens -> a `Record`: the labelled spans made into fields (values by `values`, name
lists by `namelists`), the rules that mend what the tagger gets wrong in ways it cannot see,
the item type inferred, confidences attached.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Date, Name, Record, normalize_doi, normalize_pages
from .clean import strip_markup, unglue_pages
from .names import ANONYMOUS
from .namelists import (
    EDITED_RX, EDITOR_MARK_RX, ET_AL_HINT_RX, LETTERS_RX, PARTICLES, SUFFIX_RX, given_like, initial_word, is_initials,
    is_org, split_names,
)
from .tagger import Token
from .values import (
    IN_PRESS, IN_PRESS_RX, MONTHS, PAGES_PREFIX_RX, YEAR_RX, clean_container, clean_doi, clean_issue, clean_pages, clean_text,
    clean_title_text, drop_role, parse_date, quoted_title, split_volume,
)

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


# --- the record --------------------------------------------------------------------------------

_ARXIV_RX = re.compile(r"(?:arXiv\s*:?\s*)?(\d{4}\.\d{4,5}(?:v\d+)?|[a-z-]+(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?)", re.IGNORECASE)


_NO_YEAR_LABELS = frozenset("title container collection url doi arxiv isbn pages number".split())
# "2006/1", "2/2011": the year and the issue of a French journal, read as its volume
_SLASH_YEAR_RX = re.compile(r"(?<![\w/.-])(?:\d{1,2}/(?=\d{4}(?![\w/-]))|(?=\d{4}/\d{1,2}(?![\w/-])))(1[6-9]\d\d|20\d\d)")
_LONE_YEAR_RX = re.compile(r"(?<![\w/.-])(1[6-9]\d\d|20\d\d)[a-z]?(?![\w/-])")


# "JHEP 09 (2013)029", "Science 326 (2009) 1683.": the page after the year in parentheses,
# read as part of the date
_DATE_PAGE_RX = re.compile(
    r"\(?\s*(?<!\d)(?:1[5-9]|20)\d\d[a-z]?\s*\)\s*(?P<page>[A-Za-z]?\d+(?:\s*[-–]\s*[A-Za-z]?\d+)?(?:\s*[-–])?)\s*[.,;]?$"
)
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
        if m and not any(w in PARTICLES or w in ("et", "and", "und") for w in m.group("words").split()):
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
    return len(words) >= 2 and words[0].lower() not in PARTICLES and not SUFFIX_RX.fullmatch(words[-1])


def _one_word_pair(part: str) -> bool:
    """"Nations and Nationalism": two capitalised words joined by "and", neither an initial,
    a particle nor in capitals (French lists print family names so: "MARTIN et DUPONT")."""
    m = _WORD_AND_WORD_RX.fullmatch(part.strip())
    return bool(m) and all(
        w[0].isupper() and not w.isupper() and not initial_word(w) and w.lower() not in PARTICLES for w in (m["a"], m["b"])
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


_LINK_WORDS = frozenset("epub accessed retrieved available cited online internet".split())
# "[cited 2024 Jan 3]", "Epub 2020 Jan 5", "Epub ahead of print": dates the rules read elsewhere
_NOTE_DATE_RX = re.compile(r"\[?\s*cited\s[^\]]{4,30}\]?|\bEpub\s+(?:1[5-9]|20)\d\d(?:\s+[A-Z][a-z]{2}(?:\s+\d{1,2})?)?\b",
                           re.IGNORECASE)


def _note_text(text: str) -> str:
    """A note without the brackets round all of it ("(Doctoral dissertation)"), the
    identifiers and dates the rules already took, and words that only lead to a link
    ("Retrieved from", "[cited 2024 Jan 3]. Available from")."""
    text = strip_markup(text) if "<" in text else text
    if "ited" in text or "pub" in text:
        text = _NOTE_DATE_RX.sub(" ", text)
    text = clean_text(_NOTE_ID_RX.sub(" ", text))
    if text[:1] + text[-1:] in ("()", "[]") and not any(c in text[1:-1] for c in "()[]"):
        text = text[1:-1].strip()
    if len(LETTERS_RX.findall(text)) == 0 or _NOTE_LINK_RX.match(text):
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
    return bool(_PUBLISHER_WORD_RX.search(text)) or is_org(text)


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
    if rest and not LETTERS_RX.search(rest):
        return
    if title:
        rec.set("title", clean_title_text(m.group("head")))
        if rest and container and not YEAR_RX.search(rest) and not re.search(r"\w[.?!]\s", rest):
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
    if m and (is_org(m.group("last")) or _PUBLISHER_WORD_RX.search(m.group("last"))) and len(
            m.group("last").split()) <= 8:
        conf = segs[k].confidence
        return segs[:k] + [Segment("title", m.group("title"), conf),
                           Segment("publisher", m.group("last"), min(conf, 0.5))] + segs[k + 1:]
    return segs


def _leftover_after_names(text: str) -> int:
    """Where a piece that is no name starts at the end of an author list, or -1: "M. C.
    Miller, Donors," (names written initials first, then a bare word) or "Duck, Steve,
    Friends," (one name written family first, then a bare word)."""
    text = text.rstrip(" ,.;:")
    parts = text.split(", ")
    if len(parts) == 3 and " " not in parts[0] and " " not in parts[2] and not any(c in parts[1] for c in ".;&"):
        family, given, last = parts
        if (given_like(given) and not is_initials(given) and not is_initials(family) and last[:1].isupper()
                and not is_initials(last) and not is_org(last) and not SUFFIX_RX.fullmatch(last)
                and not EDITOR_MARK_RX.fullmatch(last) and not (family.isupper() and last.isupper())):
            return text.rindex(last)
    last = text[text.rfind(", ") + 2:]
    if ", " not in text or " " in last or not last[:1].isupper() or not initial_word(text.split(" ", 1)[0]):
        return -1
    parts = text.split(", ")
    if is_initials(last) or ET_AL_HINT_RX.search(last):
        return -1
    if all(len(p.split()) > 1 and initial_word(p.split()[0]) for p in parts[:-1]):
        return text.rindex(last)
    return -1


_TITLE_FIRST_WORD_RX = re.compile(r"(?P<family>(?:(?:van|von|de|der|den|del|da|di|du|le|la|ten|ter)\s+)?"
                                   r"[^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?)\s+(?=[^\W\d_])")


def _author_before_title(segs: list[Segment]) -> int:
    """Where the first author segment is when a title follows it and it holds a comma, or -1."""
    k = next((k for k, seg in enumerate(segs) if seg.label == "author"), -1)
    if 0 <= k < len(segs) - 1 and segs[k + 1].label == "title" and "," in segs[k].text:
        return k
    return -1


def family_in_title(segs: list[Segment]) -> list[Segment]:
    """"S.D. McMurray, …, K. | McDougall Diabetes education …": Elsevier's style prints no
    stop between the names and the title, so the last family name can open the title; names
    written initials first that end in initials get it back."""
    k = _author_before_title(segs)
    if k < 0:
        return segs
    names, title = segs[k].text.rstrip(), segs[k + 1]
    first = names.split(" ", 1)[0]
    if ", " not in names or not is_initials(names.rsplit(", ", 1)[-1].rstrip(",")) or not initial_word(first) or "," in first:
        return segs
    m = _TITLE_FIRST_WORD_RX.match(title.text)
    if m and m.group("family")[:1].isupper() and not is_initials(m.group("family")):
        return segs[:k] + [Segment("author", names + " " + m.group("family"), segs[k].confidence),
                           Segment("title", title.text[m.end():], min(title.confidence, 0.5))] + segs[k + 2:]
    return segs


def title_start_in_authors(segs: list[Segment]) -> list[Segment]:
    """"K.C. King, Achilles. | Paradigms of the Hero": the first words of a title read as
    one more name go back to the title."""
    k = _author_before_title(segs)
    cut = _leftover_after_names(segs[k].text) if k >= 0 else -1
    if cut > 0:
        names, rest, title = segs[k].text[:cut], segs[k].text[cut:], segs[k + 1]
        return segs[:k] + [Segment("author", names, segs[k].confidence),
                           Segment("title", rest + " " + title.text, min(title.confidence, 0.5))] + segs[k + 2:]
    return segs


def to_record(segs: list[Segment]) -> tuple[Record, dict[str, float]]:
    """The first segment of each field gives its value; also each field's confidence."""
    segs = title_fallback(title_start_in_authors(family_in_title(title_in_names(split_author_tail(segs)))))
    segs = publisher_after_title(journal_abbreviation_after_title(segs))
    if len(segs) > 4:
        segs = publisher_after_place(segs)
    rec = Record()
    conf: dict[str, float] = {}
    glued_page = ""
    marked_pages = any(s.label == "pages" and PAGES_PREFIX_RX.match(s.text.lstrip("(")) for s in segs)
    notes = []
    for seg in segs:
        label = seg.label
        if label in _SKIPPED:
            continue
        if label == "note":  # "(Doctoral dissertation)", "Technical Report TR-7": kept, not dropped
            notes.append(_note_text(seg.text))
            continue
        if label == "pages" and marked_pages and not PAGES_PREFIX_RX.match(seg.text.lstrip("(")):
            continue  # "2019 May 20-24; … p. 100-105": the pages are the ones marked "p."
        if label == "author" and EDITED_RX.search(seg.text):
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
            if not value or value.lower() in _LINK_WORDS:
                continue  # "Epub 2020 Jan 5", "Accessed March 3": no place, no journal
            rec.set(_TEXT[label], value)
        elif label == "date":
            date, suffix = parse_date(seg.text)
            if not date:
                continue
            if ")" in seg.text and seg.text.rstrip(" .,;-–")[-1:].isdigit() and (m := _DATE_PAGE_RX.search(seg.text)):
                glued_page = m.group("page").replace(" ", "")  # "( 2013)393-": the last page follows
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
    if glued_page and (rec.get("page").startswith(("-", "–")) or glued_page.endswith(("-", "–")) and rec.get("page")):
        rec.set("page", normalize_pages(glued_page + rec.get("page")))  # "( 2004)165 -173", "( 2013)393- 395"
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


_PRESS_TAIL_RX = re.compile(rf"[.,;\s]+{IN_PRESS}\W*$", re.IGNORECASE)


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
    if m and (is_org(m.group("org")) or m.group("org") == rec.get("publisher")) and len(m.group("org").split()) <= 8:
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


_ANONYMOUS_RX = re.compile(ANONYMOUS + r"\.?", re.IGNORECASE)
_ANONYMOUS_LEAD_RX = re.compile("^" + ANONYMOUS + r"[.,:]?\s+(?=\S)", re.IGNORECASE)


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


# a list number glued to the first name: "26-Vellin J-F, Achim V", "5,6-Ando S,", "17.Møller ,J"
_GLUED_NUMBER_RX = re.compile(r"^\d{1,3}(?:,\d{1,3})*[-.](?=[^\W\d_][\w'’-]+(?:\s[A-Z]{1,3}\b|\s?,\s?[A-Z]|\s[A-Z]\.))")


def tag_reference(text: str) -> Record:
    """Parse one reference with the learned tagger; identifiers by rule where rules are surer."""
    from .identifiers import take_identifiers
    from .tagger import tag, tokenize

    text = unglue_pages(_BROKEN_WORD_RX.sub("", " ".join(text.split())))
    if text[:1].isdigit():
        text = _GLUED_NUMBER_RX.sub("", text, count=1)  # "26-Vellin J-F, …", "17.Møller ,J .S.": no citation number
    tokens = tokenize(text)
    labels, probs = tag(tokens)
    rec, conf = to_record(segments(text, tokens, labels, probs))
    if rec.issued is None and (press := IN_PRESS_RX.search(text)):
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
