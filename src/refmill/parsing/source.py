"""The source part of a reference, the text after its title: where the work appeared.

    journal      Anesth Analg 2003; 96: 1547-52 | Millennium, 10(2), 126-155 |
                 Nature, vol. 26, no. 2, pp. 3111-3119, 2013 | Q. J. 35, no. 7 (2014): 1120-43
    book         Chicago: University of Chicago Press, 1995 | Polity Press, 2012 | (London: Verso, 1989)
    chapter      In: Eds (Hgg.): Book. Place: Publisher 2008, S. 81-94 | in Book, ed. X (Place: P, 1989)
    proceedings  In Proceedings of …, pages 273-275, Aug. 1999
    thesis       PhD thesis, University of X | Ph.D. diss., University of X, 2008
    report       Technical Report No. 12, Institution

`read_source(text)` returns every field it found with a score that says how well the text
reads as a source; the reference parser uses the score to choose where the title ends.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Date, Name, normalize_pages
from .names import EDITED_LIST_RX, lenient_names, scan_names

MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_MON = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|Spring|Summer|Fall|Autumn|Winter|"
    r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"Januar|Februar|März|Juni|Juli|Oktober|Dezember|enero|febrero|marzo|abril|mayo|junio|julio|agosto|"
    r"septiembre|octubre|noviembre|diciembre)\.?(?![^\W\d_])"
)
_YEAR = r"(?P<year>(?:1[5-9]|20)\d\d)(?P<ys>[a-z])?(?![\d])"
_DATE = (
    rf"(?:(?P<mon1>{_MON})(?:\s*[-/–]\s*{_MON})?\s+(?:(?P<day1>\d{{1,2}})(?:\s*[-–]\s*\d{{1,2}})?,?\s+)?"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<mon2>{_MON})\s+)?{_YEAR}(?:,?\s+(?P<mon3>{_MON})(?:\s+(?P<day3>\d{{1,2}}))?)?"
)
_DATE_RX = re.compile(_DATE, re.IGNORECASE)
_PAGES = r"(?P<pages>(?:[A-Z]{1,2}-)?[A-Za-z]{0,2}\d+(?:\s*(?:[-–—]{1,2}|\?)\s*[A-Za-z]{0,2}\d+)?(?:\s*,\s*\d+\s*[-–—]\s*\d+)*)"
_RANGE = r"(?P<pages>(?:[A-Z]{1,2}-)?[A-Za-z]{0,2}\d+\s*(?:[-–—]{1,2}|\?)\s*[A-Za-z]{0,2}\d+(?:\s*,\s*\d+\s*[-–—]\s*\d+)*)"
_VOL = r"(?P<vol>[A-Z]?\d+[A-Za-z]?(?:[-/]\d+)?|[IVXLC]{1,6}(?![\w]))"

# Consumers for the numeric part, tried in order at each position.
_NUMERIC = [
    ("vanc", re.compile(rf"{_YEAR}(?:\s+(?P<mon>{_MON})(?:\s+(?P<day>\d{{1,2}}))?)?\s*;\s*", re.IGNORECASE)),
    ("datep", re.compile(rf"\(\s*{_DATE}\s*\)", re.IGNORECASE)),
    ("label_vol", re.compile(r"(?:vol(?:ume)?s?\.?|v\.|Bd\.?|tome|t\.|Jahrgang|Jg\.)\s*(?P<vol>[\w/-]+)", re.IGNORECASE)),
    ("label_iss", re.compile(r"(?:no\.?|nr\.?|n[°º]\.?|num(?:ber|\.)?|issue|iss\.?|Heft|H\.|fasc\.?|cahier)\s*(?P<iss>\d[\w/-]*|[A-Z]\b)", re.IGNORECASE)),
    ("label_pages", re.compile(rf"(?:pp?\.?|pages?|pgs?\.?|S\.|Seiten|págs?\.?)\s*{_PAGES}", re.IGNORECASE)),
    ("suppl", re.compile(r"(?:Suppl(?:ement)?\.?|Supl\.?)\s*(?P<iss>\d+\w*|[A-Z]\d*)(?![\w])", re.IGNORECASE)),
    ("korean_vol", re.compile(r"제?\s*(?P<vol>\d+)\s*권")),
    ("korean_iss", re.compile(r"제?\s*(?P<iss>\d+)\s*호")),
    ("voliss", re.compile(rf"{_VOL}\s*\(\s*(?P<iss>[^()]{{0,20}}?\d[^()]{{0,20}}?)\s*\)(?:\s*(?:Suppl\.?\s*(?P<suppl>\w+)))?(?:\s*[:,]\s*(?:pp?\.\s*)?{_PAGES})?")),
    ("vol_suppl", re.compile(rf"{_VOL}\s+(?P<iss>Suppl\.?\s*\w+)(?:\s*:\s*{_PAGES})?", re.IGNORECASE)),
    ("volisspages", re.compile(rf"{_VOL}\s*:\s*(?P<iss>\d{{1,3}})\s*:\s*{_PAGES}")),
    ("volpages", re.compile(rf"{_VOL}\s*:\s*{_PAGES}")),
    ("mla", re.compile(r"(?P<vol>\d+)\.(?P<iss>\d+)(?=\s*\()")),
    ("date", _DATE_RX),
    ("npages", re.compile(r"(?P<npages>\d+)\s*(?:pp|p|S|Seiten|pages|págs?)\.?(?![\w])")),
    ("issue_only", re.compile(r"\((?P<iss>\d+[\w/-]*)\)")),
    ("range", re.compile(rf"{_RANGE}(?<=\d)", re.IGNORECASE)),
    ("number", re.compile(r"(?P<num>\d+[A-Za-z]?|[A-Z]{1,2}\d+)")),
]
_NUM_CONSUMERS = [(k, rx) for k, rx in _NUMERIC]
_SEP_RX = re.compile(r"[\s,.;:]*")
_PIECE_RX = re.compile(r"[^,.;:]+[.,;:]?")
# where the numeric part of a source may begin
_SIGNAL_RX = re.compile(
    rf"(?:(?<=[\s,.;:(])|^)(?:(?:vol(?:ume)?s?|v|no|nr|n°|issue|pp?|pages?|S|Bd|Heft)\.?\s*\d|vol(?:ume)?\.?\s*[IVXLC]+\b|\d(?!\d*(?:st|nd|rd|th|e|er|ème)\b|\d*\.\s[A-ZÄÖÜ][a-zäöüß])|\(\s*\d|{_MON}(?:\s*[-/–]\s*{_MON})?\s+\d|제\s*\d|Suppl)",
    re.IGNORECASE,
)

_PUBLISHER_WORDS = re.compile(
    r"\b(?:Press|Publish\w*|Publications?|Verlag|Books|Editions?|Éditions|Editora|Editorial|Ediciones|Edizioni|"
    r"Editrice|Universit\w*|Univ\.|UP|Inc\.?|Ltd\.?|Co\.|Company|Corporation|GmbH|Wiley|Springer|Elsevier|"
    r"Routledge|Sage|SAGE|Norton|Penguin|Macmillan|Blackwell|Academic|Kluwer|Pergamon|Gallimard|Seuil|PUF|"
    r"Champion|Zondervan|Baker|Eerdmans|Hendrickson|Continuum|Verso|Harper\w*|Random House|McGraw-Hill|"
    r"Prentice|Addison|Pearson|Oxford|Cambridge|MIT|Yale|Harvard|Princeton|Hachette|Hill|Knopf|Vintage|"
    r"Basic|Brill|Benjamins|Mouton|Teubner|Hanser|Beck|Suhrkamp|Klett|Thieme|Karger|Dekker|CRC|Taylor|Francis|"
    r"Emerald|Palgrave|Ashgate|Polity|Heinemann|Longman|Methuen|Chapman|Hall|Bantam|Doubleday|Scribner|"
    r"Institute|Institut|Society|Association|Foundation|Council|Office|Laboratory|Bureau|Agency|Ministry|"
    r"IEEE|ACM|SIAM|AMS|Stationery|Survey|Service|Organi[sz]ation|Centre|Center|Museum|Library)\b"
)
_PLACES = frozenset(
    """new york|london|paris|berlin|chicago|cambridge|oxford|boston|amsterdam|heidelberg|dordrecht|leiden|
    tokyo|princeton|new haven|philadelphia|washington|washington, dc|washington, d.c.|baltimore|toronto|montreal|
    sydney|melbourne|edinburgh|glasgow|dublin|madrid|barcelona|rome|roma|milan|milano|florence|firenze|
    bologna|turin|torino|venice|venezia|naples|napoli|vienna|wien|munich|münchen|frankfurt|hamburg|leipzig|
    stuttgart|cologne|köln|bonn|göttingen|tübingen|freiburg|zurich|zürich|basel|bern|geneva|genève|genf|
    lausanne|brussels|bruxelles|leuven|louvain|antwerp|utrecht|rotterdam|the hague|copenhagen|stockholm|
    oslo|helsinki|uppsala|lund|moscow|москва|st. petersburg|warsaw|prague|budapest|athens|istanbul|jerusalem|
    tel aviv|cairo|beijing|shanghai|hong kong|singapore|seoul|delhi|new delhi|mumbai|bombay|calcutta|
    kolkata|madras|chennai|karachi|lahore|islamabad|tehran|mexico|méxico|buenos aires|são paulo|rio de janeiro|
    santiago|lima|bogotá|caracas|havana|los angeles|san francisco|berkeley|stanford|palo alto|san diego|
    seattle|portland|denver|austin|houston|dallas|atlanta|miami|new orleans|nashville|minneapolis|
    st. paul|st. louis|detroit|ann arbor|cleveland|pittsburgh|columbus|cincinnati|indianapolis|
    bloomington|urbana|champaign|madison|milwaukee|iowa city|lincoln|lawrence|norman|tucson|phoenix|
    salt lake city|albuquerque|honolulu|grand rapids|downers grove|peabody|nashville|louisville|ithaca|
    albany|amherst|providence|hanover|durham|chapel hill|charlottesville|richmond|newark|hoboken|
    piscataway|new brunswick|englewood cliffs|upper saddle river|reading|harlow|basingstoke|abingdon|
    aldershot|farnham|chichester|hove|manchester|birmingham|bristol|leeds|sheffield|liverpool|
    nottingham|york|exeter|norwich|brighton|canberra|brisbane|perth|adelaide|auckland|wellington|
    johannesburg|cape town|nairobi|lagos|ottawa|vancouver|quebec|québec|lyon|marseille|toulouse|
    bordeaux|lille|strasbourg|nancy|rennes|nantes|grenoble|montpellier|dijon|lisbon|lisboa|porto|
    coimbra|sevilla|seville|valencia|salamanca|granada|würzburg|weinheim|berlin/new york|
    berlin, heidelberg|new york, ny|cambridge, ma|cambridge, mass.|malden|oxford, uk|hoboken, nj|
    thousand oaks|newbury park|beverly hills|boca raton|westport|greenwich|norwood|mahwah|hillsdale|
    turnhout|münster|mainz|hannover|kiel|bamberg|regensburg|paderborn|opladen|wiesbaden|darmstadt|
    karlsruhe|dresden|jena|halle|rabat|tunis|algiers|dakar|beirut|damascus|baghdad|riyadh|kyoto|osaka|
    taipei|manila|jakarta|bangkok|hanoi|zed|leiden/boston|pistoia|zvolen|menlo park|bad heilbrunn""".replace("\n", "").split("|")
)
_PLACES = frozenset(p.strip() for p in _PLACES if p.strip())
_STATE_RX = re.compile(r",\s*(?:[A-Z]{2}|[A-Z][a-z]{1,4}\.|Mass\.|Calif\.|Mich\.|Conn\.|Penn\.|UK|USA|U\.S\.A\.|U\.K\.)$")
_CONTAINER_WORDS = re.compile(
    r"\b(?:Journal|J\.|Jour\.|Proc\.|Proceedings|Review|Rev\.|Trans\.|Transactions|Letters|Lett\.|Bulletin|Bull\.|"
    r"Annals|Ann\.|Acta|Archives|Arch\.|Quarterly|Magazine|Conference|Conf\.|Symposium|Symp\.|Workshop|"
    r"Congress|Meeting|Science|Sciences|Sci\.|Research|Res\.|Studies|Zeitschrift|Revue|Rivista|Revista|"
    r"Medicine|Med\.?|Soc\.|Society|Reports|Rep\.|Advances|Adv\.|Series|Newsletter|Times|Post|Herald|Gazette|"
    r"Tribune|Citizen|News|Encyclop\w+|Dictionary|Handbook|Yearbook|Jahrbuch|Cahiers|Bollettino|Anales|Annales)(?!\w)"
)
_JOURNAL_WORDS = re.compile(
    r"\b(?:Journal|J\.|Jour\.|Proc\.|Proceedings|Transactions|Trans\.|Letters|Lett\.|Bulletin|Bull\.|Annals|"
    r"Ann\.|Acta|Archives|Arch\.|Quarterly|Magazine|Review|Rev\.|Series|Paper|Papers|Memoirs?|Zeitschrift|"
    r"Revue|Rivista|Revista|Newsletter|Gazette|Tribune|Times|Herald)(?!\w)"
)
_STOP = frozenset(
    "of the and in on for to a an at by with from de la le les des du et el los las y di del della e und der die das "
    "für im am zur zum van von en o as its into via".split()
)
_THESIS_RX = re.compile(
    r"\b(?:Ph\.?\s?D\.?\s*(?:thesis|diss(?:ertation)?\.?)|PhDThesis|doctoral (?:thesis|dissertation)|"
    r"(?:master'?s?|M\.?Sc\.?|M\.?A\.?|MPhil|bachelor'?s?|honou?rs|diploma) thesis|dissertation|thèse(?: de doctorat)?|"
    r"tesis(?: doctoral)?|tesi di (?:laurea|dottorato)|Dissertation|Doktorarbeit|Habilitationsschrift|"
    r"(?:Ph\.?D\.?|doctoral|master'?s?) diss\.|thesis)\b",
    re.IGNORECASE,
)
_REPORT_RX = re.compile(
    r"\b(?:technical report|tech(?:nical)?\.? rep(?:ort)?\.?|working paper|discussion paper|research report|"
    r"report(?: no\.?| number)?|white paper|policy brief|occasional paper|memorandum|TR)\b",
    re.IGNORECASE,
)
_CONFERENCE_RX = re.compile(r"\b(?:Proc\.|Proceedings|Conference|Conf\.|Symposium|Symp\.|Workshop|Congress|Meeting|Colloque|Colloquium|Tagung|Kongress)\b", re.IGNORECASE)
_IN_RX = re.compile(r"^(?:In|in|IN|Dans|dans|En|en|Im|im)\s*:?\s+(?=\S)")
_EDITED_BY_RX = re.compile(
    r"(?:^|[.,;]\s*|\s)(?:ed(?:ited)?\.?\s+by|eds?\.|hrsg\.\s*v(?:on)?\.|hg\.\s*v(?:on)?\.|Ed\.|Eds\.|édité par|sous la dir(?:ection)?\.? de|a cura di)\s+"
    r"(?P<names>[^.():;]+?)(?=\s*(?:\(|[.:;]\s|,\s*(?:\d|pp?\.|vol)|$))",
    re.IGNORECASE,
)


# words that end with an abbreviation period: a title does not end there
_WEAK_ENDS = frozenset(
    """vol no nos pp ed eds trans transl univ dept proc conf int rev res lett natl nat acad sci med soc am j
    jour jpn biol chem phys mol clin exp surg ann arch bull inst ser suppl st dr mr mrs ms prof al cf vs eg
    ie jr sr co inc ltd bot zool geol geophys astron astrophys math stat econ polit psychol sociol
    anthropol hist philos ling lit educ eng engin technol comput inf inform manag environ ecol evol genet
    immunol microbiol neurosci neurol pharmacol physiol cardiol oncol pediatr dermatol endocrinol
    gastroenterol hepatol nephrol radiol anesth obstet gynecol ophthalmol urol dent vet agric entomol
    pap monogr mem publ pub q quart commun rep symp assoc coll mus gaz mag adv appl biochem biophys
    br brit eur can aust ital fr ger tech theor struct dyn mech mater electron opt nucl therm
    rheumatol infect dis immun microbiol virol toxicol nutr metab diabetes lab mol""".split()
)


def boundary_score(text: str, cut: int) -> float:
    """How likely the title ends at `cut` (just after a separator)."""
    before = text[:cut].rstrip()
    if not before:
        return -5.0
    ch = before[-1]
    if ch in "?!":
        return 0.5
    if ch == ".":
        word = re.findall(r"[^\s.]+$", before[:-1])
        w = word[0] if word else ""
        if not w:
            return -1.0
        if w.lower() in _WEAK_ENDS or re.fullmatch(r"[A-Z][a-z]?|[A-Z]{2,4}", w):
            return -1.2
        return 0.5
    if ch == ",":
        return -0.4
    if ch in ":;":
        return -1.2
    if ch == "(" or re.match(r"\s*(?:\(|(?:1[5-9]|20)\d\d\b|(?:pp?\.|pages?|[Vv]ol\.)\s*\d)", text[cut:]):
        return -0.3
    return -1.0  # no punctuation at all: "… dialysis unit Am. J. Kidney Dis."



def _sentences(text: str) -> list[str]:
    """`text` split at sentence ends (". " not after an initial or an abbreviation)."""
    out, start = [], 0
    for m in re.finditer(r"[.?!]\s+", text):
        if boundary_score(text, m.end()) > 0:
            out.append(text[start:m.start() + 1].strip(" ."))
            start = m.end()
    out.append(text[start:].strip(" ."))
    return [p for p in out if p]


@dataclass
class Source:
    """What a source part says, and how well it read (`score`)."""

    fields: dict[str, str] = field(default_factory=dict)
    date: Date | None = None
    kind: str = ""  # journal, book, chapter, proceedings, thesis, report, or "" (nothing)
    editors: list[Name] = field(default_factory=list)
    score: float = 0.0
    leftover: str = ""


def date_of(m: re.Match) -> Date:
    g = m.groupdict()
    month = None
    for key in ("mon", "mon1", "mon2", "mon3"):
        if g.get(key):
            month = MONTHS.get(g[key][:3].lower())
            day_key = {"mon": "day", "mon1": "day1", "mon2": "day2", "mon3": "day3"}[key]
            day = int(g[day_key]) if g.get(day_key) and month else None
            break
    else:
        day = None
    return Date(int(g["year"]), month, day)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\s,;:()]+", text)


def container_score(text: str) -> float:
    """How much `text` reads like a journal or book title rather than a sentence."""
    words = _words(text)
    if not words:
        return -3.0
    score = 0.0
    if _CONTAINER_WORDS.search(text):
        score += 1.0
    content = [w for w in words if w.lower().strip(".") not in _STOP and re.search(r"[^\W\d_]", w)]
    lower = [w for w in content if w[0].islower()]
    if content and len(lower) / len(content) > 0.5 and len(lower) >= 3:
        score -= 1.5
    if len(words) > 14:
        score -= 1.0 + (len(words) - 14) * 0.1
    if re.search(r"[.?!]\s+[A-Z][a-z]+\s+[a-z]+\s+[a-z]+", text) and not re.search(r"\b[A-Z][a-z]{0,5}\.\s", text):
        score -= 1.0  # a sentence break inside: title text, not a journal
    if re.match(r"(?:and|the|of|in|for|with|on|a|an|to|from)\s", text):
        score -= 2.0  # "and the cenote ring, …": the end of a title
    if _is_publisher(text) and not _CONTAINER_WORDS.search(text) and len(words) <= 5:
        score -= 1.0
    if sum(w.lower().strip(".") in _WEAK_ENDS for w in words) >= 2:
        score += 1.0  # "J Coast Res", "Phys. Rev.": abbreviated journal words
    if len(words) <= 6 and all(w[0].isupper() for w in text.split()):
        score += 0.5  # "N Engl J Med", "Phys. Rev. D"
    return score


def _is_place(text: str) -> bool:
    t = text.strip(" .,()").lower()
    if not t:
        return False
    if t in _PLACES or t.split(",")[0].strip() in _PLACES or t.split("/")[0].strip() in _PLACES:
        return True
    return bool(_STATE_RX.search(text.strip(" .()"))) and len(_words(text)) <= 5


def _trailing_place(head: str) -> tuple[str, str]:
    """"Proc. Conf. on X, San Jose, CA" -> ("Proc. Conf. on X", "San Jose, CA")."""
    parts = head.split(", ")
    for k in (2, 1):
        if len(parts) > k:
            place = ", ".join(parts[-k:])
            bare = re.sub(r"^(?:at|in)\s+", "", place)
            if _is_place(bare) and not _CONTAINER_WORDS.search(bare):
                return ", ".join(parts[:-k]), bare
    return head, ""


def _is_publisher(text: str) -> bool:
    return bool(_PUBLISHER_WORDS.search(text)) and len(_words(text)) <= 10


def _namey(text: str) -> bool:
    """A short capitalised phrase (a place or a publisher name)."""
    words = _words(text)
    return 0 < len(words) <= 6 and all(w[0].isupper() or w.lower() in _STOP or w[0] in "&(" for w in words)


def _publication(text: str, strict: bool = False) -> tuple[dict[str, str], float, str]:
    """"Place: Publisher", "Publisher, Place", "Publisher", "Place" -> fields, score, leftover.

    `strict`: only with a colon, a known place or a publisher's word (after a journal's
    numbers, other words are not a publisher)."""
    text = text.strip(" .,;()")
    out: dict[str, str] = {}
    if not text:
        return out, 0.0, ""
    if strict and not (":" in text or _is_publisher(text) or any(_is_place(p) for p in text.split(","))):
        return out, 0.0, text
    pieces = _sentences(text)
    if len(pieces) > 1:  # "John Benjamins. Ganda", "CVPR. Citeseer": read the best sentence
        scored = [(_publication(p), i) for i, p in enumerate(pieces)]
        (pub, score, left), i = max(scored, key=lambda x: (x[0][1] - 0.4 * len(_words(x[0][2])), -x[1]))
        rest = "; ".join([p for k, p in enumerate(pieces) if k != i] + ([left] if left else []))
        return pub, score - 0.2 * len(_words(rest)), rest
    m = re.fullmatch(r"(?P<place>[^:]{2,60}?)\s*:\s*(?P<pub>[^:]{2,80})", text)
    if m and _namey(m.group("place")) and len(_words(m.group("place"))) <= 5:
        out["publisher-place"] = m.group("place").strip(" ,")
        out["publisher"] = m.group("pub").strip(" ,.")
        return out, 2.5 + 0.5 * _is_place(m.group("place")), ""
    parts = [p.strip() for p in re.split(r",\s*|\s*;\s*", text) if p.strip()]
    # a trailing "Place" after the publisher: "Methuen and Co., London"
    places = [i for i, p in enumerate(parts) if _is_place(p)]
    pubs = [i for i, p in enumerate(parts) if _is_publisher(p) and i not in places]
    score, used = 0.0, set()
    if pubs:
        out["publisher"] = parts[pubs[0]].rstrip(".")
        used.add(pubs[0])
        score += 1.5
    if places:
        i = places[0]
        place = parts[i]
        # "Cambridge, MA": a state after the city belongs to the place
        if i + 1 < len(parts) and re.fullmatch(r"[A-Z]{2}|[A-Z][a-z]{1,4}\.|UK|USA", parts[i + 1]):
            place += ", " + parts[i + 1]
            used.add(i + 1)
        out["publisher-place"] = place
        used.add(i)
        score += 1.0
    if len(parts) == 1 and not places:
        words = parts[0].split()
        for k in (1, 2):
            if len(words) > k and _is_place(" ".join(words[-k:])) and _is_publisher(" ".join(words[:-k])):
                out["publisher"], out["publisher-place"] = " ".join(words[:-k]), " ".join(words[-k:])
                return out, 2.0, ""
    if not pubs and len(parts) - len(used) == 1:
        rest = [p for i, p in enumerate(parts) if i not in used][0]
        if _namey(rest) and (places or len(_words(rest)) <= 4):
            out["publisher"] = rest.rstrip(".")
            used.add(parts.index(rest))
            score += 0.5 if places else 0.2
    leftover = ", ".join(p for i, p in enumerate(parts) if i not in used)
    return out, score, leftover


def _read_numeric(zone: str, src: Source) -> str:
    """Consume volume, issue, pages and date from `zone`; return what no rule read."""
    pos, spans, last, bare_page = 0, [], "", False
    f = src.fields
    while pos < len(zone):
        sep = _SEP_RX.match(zone, pos)
        pos = sep.end()
        if pos >= len(zone):
            break
        for kind, rx in _NUM_CONSUMERS:
            m = rx.match(zone, pos)
            if not m or m.end() == pos:
                continue
            end = m.end()
            if end < len(zone) and zone[end].isalnum() and kind not in ("vanc",) and zone[end - 1].isalnum():
                continue  # the match stops inside a word
            g = m.groupdict()
            if kind in ("vanc", "datep", "date"):
                if src.date and src.date.year:
                    if kind == "date" and last == "vanc" and not f.get("volume") and re.fullmatch(r"\d{4}", m.group(0)):
                        f["volume"] = m.group(0)  # "Hematol … 2018; 2018: 16-24"
                        pos, last = end, kind
                        break
                    if kind == "date" and int(m.group("year")) == src.date.year and not re.match(r"\s*[-–]", zone[end:]):
                        pos, last = end, kind  # the year again ("…, pp. A-348. 1995")
                        break
                    continue
                src.date = date_of(m)
                if g.get("ys"):
                    f["year-suffix"] = g["ys"]
            elif kind == "npages":
                f["number-of-pages"] = g["npages"]
            elif kind == "number":
                num = g["num"]
                if re.fullmatch(r"(?:1[5-9]|20)\d\d", num) and src.date:
                    pass  # another year (a reprint, a conference): not a volume
                elif re.fullmatch(r"[A-Z]{1,2}\d+", num) and "page" not in f:
                    f["page"] = num  # a newspaper's page: "A25"
                elif "volume" in f and "page" not in f and "issue" not in f and len(num) <= 3 and re.match(r"\s*,\s*\w*\d+\s*[-–]|\s*\(", zone[end:]):
                    f["issue"] = num  # "11 (1985) 5, 14-17", "63, 9 (September 1975)"
                elif "volume" not in f and "page" not in f and "issue" not in f:
                    f["volume"] = num
                elif "page" not in f:
                    f["page"] = num
                    bare_page = True
                elif "issue" not in f:
                    f["issue"] = num
                else:
                    continue
            elif kind == "range":
                if "page" in f:
                    continue
                f["page"] = normalize_pages(g["pages"])
            else:
                if kind == "volpages" and re.fullmatch(r"(?:1[5-9]|20)\d\d", g["vol"]) and not src.date:
                    src.date = Date(int(g["vol"]))  # a book's "2017:45-67"
                    g = dict(g, vol="")
                if g.get("vol"):
                    if "volume" in f:
                        continue
                    f["volume"] = g["vol"]
                year = _DATE_RX.fullmatch(g.get("iss") or "")
                if kind == "voliss" and year:  # "Applied Energy 112 (2013) 393-395"
                    if not src.date:
                        src.date = date_of(year)
                    g = dict(g, iss="")
                if g.get("iss"):
                    f["issue"] = re.sub(r"\s+", " ", g["iss"]).strip()
                if g.get("suppl"):
                    f["issue"] = (f.get("issue", "") + " Suppl " + g["suppl"]).strip()
                if g.get("pages"):
                    if bare_page and kind == "label_pages" and "issue" not in f:
                        f["issue"] = f["page"]  # "85, 411, pp. 664-675": the bare number was the issue
                    f["page"] = normalize_pages(g["pages"])
            pos, last = end, kind
            break
        else:
            m = _PIECE_RX.match(zone, pos)
            if spans and not zone[spans[-1][1]:pos].strip(" ,.;:"):
                spans[-1][1] = m.end()  # keep "Menlo Park, California: SRI" in one piece
            else:
                spans.append([pos, m.end()])
            pos = m.end()
    return "; ".join(zone[a:b].strip(" ,.;:") for a, b in spans if zone[a:b].strip(" ,.;:"))


def _glued(src: Source) -> None:
    """Lost separators: "2017; 7e577" (vol 7, e577), "34101305" (vol 34, 101305); and
    "54/1" (volume 54, issue 1)."""
    f = src.fields
    vol = f.get("volume", "")
    m = re.fullmatch(r"(\d+)/(\d{1,2})", vol)
    if m and "issue" not in f:
        f["volume"], f["issue"] = m.groups()
    if "page" not in f and "issue" not in f:
        m = re.fullmatch(r"(\d{1,4})([A-Za-z]+\d+)", vol)
        if m:
            f["volume"], f["page"] = m.groups()
        elif re.fullmatch(r"\d{7,10}", vol):
            f["volume"], f["page"] = vol[:-6], vol[-6:]


def read_source(text: str) -> Source:
    """Read a source part; `score` says how well it read (higher is surer)."""
    t = re.sub(r"\s*\b(?:Web|Print|Online|CD-ROM|Electronic)\.?\s*$", "", text.strip(" .,;"))
    t = t.strip(" .,;")
    src = Source()
    if not t:
        return src
    m = _IN_RX.match(t)
    if m:
        return _read_chapter(t[m.end():])
    names = scan_names(t)
    if names.editors and names.names:  # "Title, J. Smith and A. Jones (eds.) (London: …)"
        src.editors = names.names
        t = t[names.end:].strip(" .,;")
    if t.startswith("(") and _closing(t, 0) == len(t) - 1:
        t = t[1:-1].strip()
    elif t.startswith("(") and _closing(t, 0) > 0:
        # "(Chicago: World Book, 2005) Volume Q: 10-34", "(Kagaku Kogyo Co., Ltd.), pp. 286-289"
        k = _closing(t, 0)
        inner, after = read_source(t[1:k]), read_source(t[k + 1:])
        if inner.kind == "book":
            after.fields.update({key: v for key, v in inner.fields.items() if key != "container-title"})
            after.date = after.date or inner.date
            after.kind = "book" if after.kind in ("", "misc", "book") else after.kind
            after.score = max(after.score, 0) + inner.score
            return after
    t = re.sub(r"(?<=\.\s[A-Z])(?=\d)", " ", t)  # "Phys. Rev. D35" -> "Phys. Rev. D 35"
    thesis = _THESIS_RX.search(t)
    zone_at = _SIGNAL_RX.search(t)
    head = t[: zone_at.start()] if zone_at else t
    zone = t[zone_at.start():] if zone_at else ""
    head = head.strip(" ,.;:(")
    # "Journal. 2005;100(1): 4-10": the journal's own period goes with the separator
    leftover = _read_numeric(zone, src) if zone else ""
    _glued(src)
    f = src.fields
    has_numbers = bool(f.get("volume") or f.get("page") or f.get("issue"))
    if thesis:
        src.kind = "thesis"
        src.fields["genre"] = thesis.group(0)
        rest = (head[: thesis.start()] + " " + head[thesis.end():]).strip(" ,.;:") if thesis.start() < len(head) else head
        pub, score, left = _publication(", ".join(x for x in (rest, leftover) if x))
        if not pub.get("publisher") and left:
            pub["publisher"], left = left, ""
        src.fields.update(pub)
        src.score = 3.0 + (1.0 if src.date else 0) - 0.3 * len(_words(left))
        return src
    pub_fields, pub_score, pub_left = _publication(head)
    journal_score = -10.0
    if head:
        journal_score = container_score(head) + 1.5 * bool(f.get("volume")) + 1.5 * bool(f.get("page")) + 0.5 * bool(f.get("issue"))
        journal_score += 1.0 if src.date else 0.0
        journal_score += 0.5 if src.date and src.date.month else 0.0  # "The Age, November 9, 2003"
        journal_score -= 0.0 if has_numbers else 1.0
    book_score = -10.0
    if pub_fields:
        # "Geological Society of America Special Paper": a series, not a publisher
        series = not pub_fields.get("publisher-place") and _JOURNAL_WORDS.search(head)
        book_score = pub_score - (1.5 if series else 0) + (1.0 if src.date else 0.0) - 0.4 * len(_words(pub_left)) - (1.0 if has_numbers and not f.get("page") else 0)
    if journal_score >= book_score and head:
        src.kind = "proceedings" if _CONFERENCE_RX.search(head) else "journal"
        head, place = _trailing_place(head)
        if place:
            f["publisher-place"] = place
            src.score += 0.5
        f["container-title"] = head
        lpub, lscore, lleft = _publication(leftover, strict=True)
        f.update({k: v for k, v in lpub.items() if k not in f})
        src.leftover = lleft if lpub else leftover
        src.score = journal_score + (lscore if lpub else 0) - 0.3 * len(_words(src.leftover))
    elif pub_fields:
        src.kind = "book"
        f.update(pub_fields)
        if pub_left:
            f["collection-title"] = pub_left
        src.leftover = leftover
        src.score = book_score - 0.3 * len(_words(leftover))
    elif not head and leftover and _publication(leftover)[0] and not f.get("volume"):
        pub, pscore, pleft = _publication(leftover)  # "2001 Springer Heidelberg", "(pp. 45-67). Fjord Press"
        src.kind = "book"
        f.update(pub)
        src.leftover = pleft
        src.score = pscore + (1.0 if src.date else 0.0) + (0.5 if f.get("page") else 0.0) - 0.4 * len(_words(pleft))
    else:
        src.kind = "" if not (src.date or has_numbers) else "misc"
        src.leftover = leftover
        src.score = (0.5 if src.date else 0.0) + (0.5 if has_numbers else 0.0) - 0.3 * len(_words(leftover))
    if _REPORT_RX.search(t) and src.kind in ("book", "misc", ""):
        src.kind = "report"
    elif src.kind == "journal" and _REPORT_RX.search(f.get("container-title", "")) and not f.get("volume"):
        src.kind = "report"  # "Technical Report No. 42": a report series and its number
        f["collection-title"] = f.pop("container-title")
        if f.get("issue"):
            f["number"] = f.pop("issue")
    if src.editors:
        src.score += 1.5
    return src


def _read_chapter(text: str) -> Source:
    """After "In": editors, the book or proceedings title, then the book's own source."""
    editors: list[Name] = []
    names = scan_names(text)
    rest = text
    m = EDITED_LIST_RX.match(text)
    if names.names and names.editors:
        editors, rest = names.names, text[names.end:]
    elif m:
        editors, rest = lenient_names(m.group("who")), text[m.end():]
    elif names.names and re.match(r"\s*[,:]\s*\S", text[names.end:]):
        editors, rest = names.names, text[names.end:]  # "In Buskens, I. & Webb, A., African Women"
    rest = rest.strip(" ,.:;")
    m = _EDITED_BY_RX.search(rest)
    if m and not editors:
        editors = lenient_names(m.group("names"))
        rest = (rest[: m.start()] + rest[m.end():]).strip()
    # the book title runs to the first ". " / ", " / " (" that leaves a source behind
    best: Source | None = None
    best_title = rest
    for cut in _cuts(rest):
        title, tail = rest[:cut].strip(" ,.;:("), rest[cut:].strip(" ,.;:")
        if not title:
            continue
        if tail.startswith("(") and tail.endswith(")"):
            tail = tail[1:-1]
        src = read_source(tail) if tail else Source()
        if src.kind == "journal" and "container-title" in src.fields:
            # after a book title, a name before the numbers is a series or a publisher
            extra = src.fields.pop("container-title")
            pub, _, left = _publication(extra)
            if pub:
                src.fields.update(pub)
            src.score -= 0.5 * len(_words(left))
        src.score -= 0.05 * len(_words(title)) if len(_words(title)) > 25 else 0
        src.score += min(boundary_score(rest, cut), 0.0)
        if best is None or src.score > best.score:
            best, best_title = src, title
    whole = read_source(rest)
    wf = whole.fields
    numbered = wf.get("volume") or (wf.get("page") and ":" not in wf.get("container-title", ":"))
    whole_ok = not editors and not wf.get("publisher") and numbered
    if whole.kind in ("journal", "proceedings") and whole_ok and (best is None or whole.score + 1 > best.score):
        whole.editors = editors  # "In: Demokratische Erziehung 11 (1985) 5, 14-17": a journal
        whole.score += 2.0
        return whole
    src = best or Source()
    src.fields["container-title"] = best_title
    src.editors = editors
    src.kind = "proceedings" if _CONFERENCE_RX.search(best_title) else "chapter"
    src.score += 2.0 + (1.0 if editors else 0)
    return src


def _closing(text: str, start: int) -> int:
    """Index of the bracket that closes the one at `start` (-1 when none does)."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _cuts(text: str) -> list[int]:
    """Offsets where a title may end: after ". ", ", ", ": " or before " (", outside brackets."""
    cuts, depth = [], 0
    quote = False
    for i, c in enumerate(text):
        if c in "([«“":
            depth += 1
        elif c in ")]»”" and depth:
            depth -= 1
        if depth or quote:
            if c == "(" and depth == 1 and i > 0 and text[i - 1] == " ":
                close = _closing(text, i)
                inside = text[i:close + 1] if close > 0 else text[i:]
                if close < 0 or close >= len(text.rstrip(" .")) - 1 or re.search(r"\d|:", inside):
                    cuts.append(i)  # "(London: Verso, 1989)", "(1991)"; not "(Yucatán, Mexico)"
            continue
        if c in ".,;:?!" and i + 1 < len(text) and text[i + 1] == " ":
            cuts.append(i + 1)
    cuts.append(len(text))
    return sorted(set(cuts))
