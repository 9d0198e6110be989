"""Personal names as printed in references -> `Name`, and where a printed author list ends.

The forms read (each with particles, hyphens, apostrophes and suffixes):

    Vancouver / NLM     Smith JA, van der Berg J, Modis L Jr
    family, given       Smith, J. A.;  Smith, John A.;  Van der Burght, A. T.
    given family        J. A. Smith;  John Smith;  John A. Smith
    French              Husson (J.-P.)
    Hangul / CJK        유지형, 문혜련
    organisations       Centers for Disease Control and Prevention; WHO

`scan_names` reads a list from the start of a reference and says where it stops, so the
rest (year, title, source) can be read after it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..model import Name


def _letter_class(pred) -> str:
    """A regex character class body for the letters (up to U+1FFF) that satisfy `pred`."""
    runs: list[list[int]] = []
    for cp in range(0x41, 0x2000):
        if pred(chr(cp)):
            if runs and runs[-1][1] == cp - 1:
                runs[-1][1] = cp
            else:
                runs.append([cp, cp])
    return "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs)


_U = "[" + _letter_class(lambda c: c.isupper() or c.istitle()) + "]"
_L = "[" + _letter_class(lambda c: c.islower()) + "]"
# a work signed "Anonymous" ("[Anon.]", French "Anonyme", Spanish "Anónimo")
ANONYMOUS = r"\[?(?:anonymous|anon|anonym|anonyme|anónimo|anonimo)\]?"
_PARTICLE = r"(?:van|von|vom|de|der|den|del|della|dei|degli|di|da|das|dos|do|du|la|le|ten|ter|te|zu|zur|af|av|bin|ibn|al|el|d'|d’|l'|’t|'t)"
_CAP_PARTICLE = r"(?:[Vv]an|[Vv]on|[Dd]e|[Dd]er|[Dd]en|[Dd]el|[Dd]ella|[Dd]i|[Dd]a|[Dd]u|[Ll]e|[Ll]a|[Tt]en|[Tt]er|dos|das|St\.?|Ó|Ní|Nic|Uí|’t|'t)"
_WORD = rf"(?:[dDlLO]['’])?{_U}(?:{_L}|{_U}|['’])*(?:{_L}|{_U})(?:-{_U}?(?:{_L}|{_U})+)*"
_FAMILY1 = rf"(?:{_PARTICLE}\s+){{0,2}}{_WORD}(?:\s+{_WORD}){{0,2}}"
_FAMILY = rf"(?:{_CAP_PARTICLE}\s+){{0,2}}{_WORD}"
_LOW_FAMILY = rf"(?:{_PARTICLE}\s+){{0,2}}{_WORD}"
_DOTTED = rf"{_U}{_L}?\.(?:\s?-?\s?(?:{_U}{_L}?\.|[a-z]\.))*(?:-?{_U}(?![\w'’]))?"
_BARE = rf"(?:{_U}(?:\s{_U}){{1,2}}|{_U}{{1,4}}(?:-{_U})?)(?![\w'’-])"
_GIVEN_WORD = rf"{_U}{_L}+(?:-{_U}?{_L}+)?"
_GIVEN = rf"(?:{_GIVEN_WORD}|{_DOTTED})(?:\s+(?:{_GIVEN_WORD}|{_DOTTED}|{_U}(?![\w.]))){{0,2}}"
_SUFFIX = r"(?:,?\s+(?:Jr|Sr|II|III|IV|2nd|3rd)\b\.?)"
# what may follow a name in a list: a separator, the end, a year, or the initial's own period
_NEXT = r"(?=$|\s*[,;:(&/\[]|\s+(?:and|et|und|y)\s|\s+\(?\d{4}|(?<=\.)\s|\.|\s+[\"“‘«'])"
_LOOSE_NEXT = r"(?=$|[\s,;:.(&/\[])"

@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[str, re.Pattern], ...]:
    """The printed forms of a name, compiled on first use: their letter classes take a
    tenth of a second to compile, which a run that reads no printed name list need not pay."""
    return (
        ("cjk", re.compile(r"(?P<family>[\uac00-\ud7a3]{2,4}|[\u4e00-\u9fff]{2,4})(?=\s*[,.(;]|\s+\d{4}|$)")),
        ("paren", re.compile(rf"(?P<family>{_FAMILY})\s*\((?P<given>{_DOTTED})\)")),
        ("comma", re.compile(rf"(?P<family>{_FAMILY}),\s*(?P<given>{_GIVEN})(?P<suffix>{_SUFFIX})?{_NEXT}")),
        ("comma", re.compile(rf"(?P<family>{_FAMILY}),\s*(?P<given>{_DOTTED})(?P<suffix>{_SUFFIX})?{_NEXT}")),
        ("full", re.compile(rf"(?P<given>{_GIVEN_WORD}(?:\s+(?:{_GIVEN_WORD}|{_DOTTED}|{_U}(?![\w.]))){{0,2}})\s+"
                            rf"(?P<family>{_LOW_FAMILY})(?P<suffix>{_SUFFIX})?{_NEXT}")),
        ("initials", re.compile(rf"(?P<family>{_FAMILY1})\s+(?P<given>{_DOTTED}|{_BARE})"
                                rf"(?P<suffix>\s+(?:Jr|Sr|II|III|IV)\b\.?)?{_LOOSE_NEXT}")),
        ("given", re.compile(rf"(?P<given>{_DOTTED})\s*(?P<family>{_LOW_FAMILY})(?P<suffix>{_SUFFIX})?{_LOOSE_NEXT}")),
    )


@lru_cache(maxsize=1)
def _bare_family_rx() -> re.Pattern:
    """A family name alone, read only after "and"; compiled on first use like the forms."""
    return re.compile(rf"(?P<family>{_LOW_FAMILY})(?=\s*[,.:;(]|$)")
_SEP_RX = re.compile(r"\s*(?:,\s*(?:and|&|et|und)\s+|;\s*(?:and\s+|&\s*)?|,\s*|\s+(?:and|et|und|y)\s+|\s*&\s*|\s*/\s*)")
_ET_AL_RX = re.compile(r"\s*,?\s*(?:et\.?\s*al(?:ii|ia)?\b\.?|etal\b\.?|and others\b|&\s*others\b|\.\.\.|…)", re.IGNORECASE)
# "(eds.)", "(Hg.)", "(édit.)", "(dir.)": the names before it are editors
EDITOR_MARK = r"\((?:eds?|hrsg|hgg?|edt|edit|éds?|dirs?|coords?|comps?|orgs?)\.?\)"
_EDITORS_RX = re.compile(rf"\s*,?\s*(?:{EDITOR_MARK}|(?:eds?\.|Hrsg\.|Hg\.)(?=\s))\s*[.,:]?", re.IGNORECASE)
# a list of any form that ends in an editor mark: "AUBERT GABRIEL et LEMPEN KARINE (édit.), …"
EDITED_LIST_RX = re.compile(rf"^(?P<who>[^()“”\"«\d]{{3,120}}?)\s*{EDITOR_MARK}\s*[.,:]?\s*", re.IGNORECASE)
PLACEHOLDER_RX = re.compile(r"(?:[-—–_]{2,}|[—–]|-(?=\s*,)|AA\.\s?VV\.|Aa\.\s?Vv\.)\s*[.,:]?\s*")
# words that begin titles, never given names
_NOT_GIVEN = frozenset(
    "The A An And On In Of For From To Toward Towards With Without Why How What When Where Who Is Are Was New "
    "Some Notes Note Report Review Introduction Proceedings Journal Annual International National Chapter "
    "Part Vol Volume Study Studies Effects Effect Use Role Analysis Toward Beyond After Before Between "
    "Under Over Into Using Recent Current Its This That These Les Le La Der Die Das El Los Il".split()
)
_ORG_WORDS = frozenset(
    """organization organisation association society institute institut university universidad université
    universität universita college council committee commission centers center centre centres agency
    department ministry foundation board bureau office administration group network consortium collaboration
    collaborative federation union academy service services corporation inc ltd company programme program
    panel force authority trust fund bank nations library museum government secretariat initiative alliance
    coalition project registry tripartita investigators team""".split()
)
_ORG_STOP = frozenset("of for and the on in de del y la le et für und des du da di of the & to".split())

_ET_AL_ONLY_RX = re.compile(r"^\s*(?:et\.?\s*al\.?|and others|others|\.\.\.)\s*$", re.IGNORECASE)
SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd"}


def is_et_al(text: str) -> bool:
    return bool(_ET_AL_ONLY_RX.match(text))


def is_initials(token: str) -> bool:
    """"H.M.", "JA", "J.-P." are initials; "Ng", "Li" (family names) are not."""
    token = token.strip(",")
    if not token or not token[0].isupper():
        return False
    if "." in token:
        return bool(re.fullmatch(r"(?:[A-Z][a-z]?\.-?\s?){0,3}[A-Z][a-z]?\.?", token))
    return bool(re.fullmatch(r"[A-Z]{1,3}", token))


def format_initials(token: str) -> str:
    """"H.M." -> "H. M.", "JA" -> "J. A.", "J.-P." -> "J.-P.", "M R" -> "M. R."."""
    token = token.strip().strip(",")
    if "." not in token:
        token = token.replace(" ", "")
        if "-" in token:
            return "-".join(f"{c}." for c in token.split("-") if c)
        return " ".join(f"{c}." for c in token)
    parts = [p if "." in p else p.replace("-", "") + "." + ("-" if p.endswith("-") else "")
             for p in re.findall(r"[^\W\d_][a-z]?\.?-?", token)]
    out = ""
    for p in parts:
        out += p if out.endswith("-") or not out else " " + p
    return out


def split_particles(family: str) -> tuple[str, str]:
    """"van der Berg" -> ("van der", "Berg"); capitalised "Van Dyke" stays one family name."""
    words = family.split()
    k = 0
    while k < len(words) - 1 and re.fullmatch(_PARTICLE, words[k]):
        k += 1
    if k == 0 and re.match(r"^(?:d'|d’|l')", family) and len(family) > 2 and family[2].isupper():
        return family[:2], family[2:]
    return " ".join(words[:k]), " ".join(words[k:])


def make_name(family: str, given: str = "", suffix: str = "") -> Name:
    particle, family = split_particles(family.strip())
    given = given.strip()
    m = re.search(r"\s+(Jr|Sr|II|III|IV)\.?$", given)
    if m and not suffix:
        given, suffix = given[: m.start()], given[m.start():].strip()
    if given and re.fullmatch(r"(?:[^\W\d_]\.?\s?-?\s?){1,4}", given) and given.replace(" ", "").replace(".", "").replace("-", "").isupper():
        given = format_initials(given)
    return Name(family=family, given=given, non_dropping_particle=particle,
                suffix=suffix.strip(" ,"))


def family_initials(text: str) -> Name | None:
    """"Kantarjian H.M." / "De Lorgeril M." / "Modis L Jr" -> Name; None if not that form."""
    m = next(rx for kind, rx in _forms() if kind == "initials").fullmatch(text.strip().rstrip(","))
    if not m:
        return None
    return make_name(m.group("family"), format_initials(m.group("given")), m.group("suffix") or "")


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
    k = len(words) - 1
    while k > 1 and re.fullmatch(_PARTICLE, words[k - 1]):
        k -= 1
    return make_name(" ".join(words[k:]), " ".join(words[:k]), suffix)


def is_organisation(text: str) -> bool:
    """"Centers for Disease Control and Prevention", "WHO Collaborative Group", "CEDS"."""
    words = re.findall(r"[^\s,]+", text.strip())
    if not words or len(words) > 14:
        return False
    if len(words) == 1:
        return bool(re.fullmatch(r"[A-Z][A-Z&-]{1,7}", words[0]))
    if not any(w.lower().strip(".") in _ORG_WORDS for w in words):
        return False
    return all(w[0].isupper() or w.lower() in _ORG_STOP or not w[0].isalpha() for w in words)


def parse_name(text: str) -> Name:
    """Any single printed name: "Family I.", "Family, Given", "Given Family", or an organisation."""
    text = text.strip().strip(",;")
    if is_organisation(text) and " " in text:
        return Name(literal=text)
    if "," in text:
        family, _, given = text.partition(",")
        given = given.strip()
        return make_name(family, format_initials(given) if is_initials(given) else given)
    return family_initials(text) or given_family(text) or Name(literal=text)


@dataclass
class NameList:
    """A printed author (or editor) list read from the start of a reference."""

    names: list[Name] = field(default_factory=list)
    end: int = 0  # offset just after the list (and its "et al." / "(eds.)")
    truncated: bool = False
    editors: bool = False
    placeholder: bool = False  # "———." : the same authors as the reference before


def _name_of(kind: str, m: re.Match) -> Name:
    given = m.groupdict().get("given") or ""
    suffix = m.groupdict().get("suffix") or ""
    if kind == "cjk":
        return Name(family=m.group("family"))
    if kind == "initials":
        given = format_initials(given)
    return make_name(m.group("family"), given, suffix)


def _match_name(text: str, pos: int, first: bool, after_and: bool, prev: str = "") -> tuple[str, re.Match] | None:
    for kind, rx in _forms():
        m = rx.match(text, pos)
        if not m:
            continue
        given = m.groupdict().get("given") or ""
        family = m.group("family")
        nxt = text[m.end():m.end() + 8]
        if kind in ("full", "comma") and given.split()[0] in _NOT_GIVEN:
            continue
        if kind == "comma" and prev in ("full", "given"):
            continue  # "Laurent Feller, Morgengabe, Dot, …": a list does not turn to "Family, Given"
        if kind == "full" and prev == "initials":
            continue  # a Vancouver list goes on in its own form
        if kind == "full" and re.search(r"\.$", given) and re.match(r"\s*:|\s+(?:and\s+)?[a-z]", nxt):
            continue  # "Feeny P. Allelochemicals: …", "Ishikawa K. Survival and morbidity"
        if kind == "full":
            if family in _NOT_GIVEN or re.fullmatch(r"[^\W\d_]{1,3}", family) and family.isupper():
                continue
            has_initial = bool(re.search(r"(?:^|\s)[^\W\d_]\.?(?:\s|$)|\.", given))
            # "J. Smith, Turbulent Flows, …": after initials-first names, two capitalised
            # words are a title unless "and" or the list's own style says they are a name
            if not (first or after_and or has_initial or prev in ("full", "comma")
                    and re.match(r"\s*(?:[,;&/]|and\s|et\s|\d{4})", nxt)):
                continue
        if kind == "comma" and re.match(rf"{_DOTTED}\s+{_GIVEN_WORD}(?!\.)", given) and not re.match(r"\s*(?:[,;:(&/]|and\s)", nxt):
            continue  # "Kohonen, T. Self-Organizing Maps 2001": the word after the initial is the title
        if kind == "initials" and family.split()[-1] in _NOT_GIVEN:
            continue
        return kind, m
    if after_and:
        m = _bare_family_rx().match(text, pos)
        if m and m.group("family") not in _NOT_GIVEN:
            return "bare", m
    return None


def scan_names(text: str) -> NameList:
    """Read the author list at the start of `text`; `end` says where it stops."""
    out = NameList()
    pos = 0
    m = PLACEHOLDER_RX.match(text)
    if m:
        out.placeholder = True
        pos = m.end()
    first, after_and, prev = True, False, ""
    while pos < len(text):
        found = _match_name(text, pos, first, after_and, prev)
        if not found:
            break
        kind, m = found
        prev = kind
        out.names.append(_name_of(kind, m) if kind != "bare" else make_name(m.group("family")))
        pos = out.end = m.end()
        first = False
        etal = _ET_AL_RX.match(text, pos)
        if etal:
            out.truncated = True
            pos = out.end = etal.end()
            break
        sep = _SEP_RX.match(text, pos)
        if not sep or sep.end() == pos:
            break
        after_and = bool(re.search(r"and|&|et|und|y|/", sep.group(0)))
        pos = sep.end()
    if out.placeholder and not out.names:
        out.end = m.end() if m else 0
    ed = _EDITORS_RX.match(text, out.end) if out.names else None
    if ed:
        out.editors = True
        out.end = ed.end()
    return out


def lenient_names(text: str) -> list[Name]:
    """Names from a span known to be the author list (it ends at the year), form unknown."""
    text = re.sub(rf"\s*{EDITOR_MARK}\s*$", "", text.strip(" .,;:"), flags=re.IGNORECASE)
    if not text:
        return []
    if is_organisation(text):
        return [Name(literal=text)]
    parts = [p.strip() for p in re.split(r"\s*(?:;|,|&|\band\b|\bet\b(?!\s*al))\s*", text) if p.strip()]
    merged: list[str] = []
    for part in parts:
        if is_et_al(part):
            continue
        if merged and "," not in merged[-1] and len(merged[-1].split()) == 1 and (
            is_initials(part) or re.fullmatch(rf"{_GIVEN}(?:\s+\w+)?", part)
        ):
            merged[-1] += ", " + part
        else:
            merged.append(part)
    return [parse_name(p) for p in merged if re.search(r"[^\W\d_]{2}", p) or "," in p]
