"""Field-by-field agreement between two records.

One module for every "is this the same work?" question: `import` checking the library,
Crossref candidate validation and dedupe all ask it, so they cannot disagree. `compare`
says, field by field, whether two records agree, disagree or cannot tell (None); the
callers weigh that evidence by their own thresholds.
"""
from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass

from rapidfuzz import fuzz

from .model import Record, doi_key, fold

_TAG_RX = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?>")  # HTML / JATS markup
_LATEX_RX = re.compile(r"\\[A-Za-z]+\s*|[{}$]")
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "χ": "chi", "ψ": "psi", "ω": "omega", "ς": "sigma", "ϑ": "theta", "ϕ": "phi", "µ": "mu",
}
_GREEK_TABLE = str.maketrans(_GREEK)
_LATEX_DECODER = None


def _latex_to_text(text: str) -> str:
    """"Gr{\\"o}bner" -> "Gröbner" (pylatexenc); odd input keeps its letters."""
    global _LATEX_DECODER
    if _LATEX_DECODER is None:
        from pylatexenc.latex2text import LatexNodes2Text

        _LATEX_DECODER = LatexNodes2Text()
    try:
        return _LATEX_DECODER.latex_to_text(text)
    except Exception:  # pylatexenc raises assorted errors on odd input
        return _LATEX_RX.sub("", text)


_STOPWORDS = frozenset("the of and for in on at a an de la le der die das und &".split())


def norm_title(text: str) -> str:
    """Title for comparison: markup, LaTeX and punctuation gone, Greek spelled out, folded."""
    text = _TAG_RX.sub(" ", html.unescape(text or ""))
    text = _latex_to_text(text) if "\\" in text else text.replace("{", "").replace("}", "").replace("$", "")
    text = text.lower().translate(_GREEK_TABLE)
    text = text.strip().rstrip(".")
    if text.startswith("[") and text.endswith("]") and text.count("[") == 1:
        text = text[1:-1]  # MEDLINE's "[translated title]" standing for the whole title
    else:
        text = re.sub(r"\s*\[[^\]]*\]\s*$", "", text)  # "[translated title]" at the end
    return fold(text)


def title_key(rec: Record) -> str:
    return norm_title(rec.title)


def family_key(name) -> str:
    """Folded family name with its particle ("van der Berg" -> "vanderberg")."""
    return fold(name.full_family).replace(" ", "")


def first_family(rec: Record) -> str:
    for name in rec.author or rec.editor:
        key = family_key(name)
        if key:
            return key
    return ""


def title_similarity(a: Record, b: Record) -> float:
    """0..1, case-, accent-, markup- and punctuation-insensitive."""
    ta, tb = title_key(a), title_key(b)
    if not ta or not tb:
        return 0.0
    return fuzz.ratio(ta, tb) / 100.0


def first_page(page: str) -> str:
    """"1485-1497" -> "1485", "e577" -> "e577", "S23-S24" -> "s23"."""
    page = (page or "").strip().lower()
    return re.split(r"\s*[-\u2013\u2014,]\s*", page, maxsplit=1)[0].lstrip("p. ").strip()


def _tokens(text: str) -> list[str]:
    return [t for t in fold(text).split() if t not in _STOPWORDS]


def container_agrees(a: str, b: str) -> bool:
    """Journal titles agree, full or abbreviated: "N Engl J Med" ~ "The New England Journal
    of Medicine", "Blood" !~ "Blood Advances" (every word of the longer must be accounted for)."""
    return words_agree(_tokens(a), _tokens(b))


def container_words(text: str) -> list[str]:
    """The folded words of a journal title that `container_agrees` compares (no stopwords)."""
    return _tokens(text)


def words_agree(ta: list[str], tb: list[str]) -> bool:
    """`container_agrees` for titles already split by `container_words` (for callers that
    compare one title against many windows of text)."""
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    short, long_ = (ta, tb) if len("".join(ta)) <= len("".join(tb)) else (tb, ta)
    return _abbreviates(short, long_)


def _shortens(abbr: str, word: str) -> bool:
    """"natl" shortens "national": same first letter, letters in order."""
    if not abbr or abbr[0] != word[:1]:
        return False
    it = iter(word)
    return all(ch in it for ch in abbr)


def _abbreviates(short: list[str], long_: list[str]) -> bool:
    """Each short token is a prefix of the next long token, or the initials of several."""
    if not short:
        return not long_
    if not long_:
        return False
    head = short[0]
    if _shortens(head, long_[0]):
        if _abbreviates(short[1:], long_[1:]):
            return True
    # an initialism covering several words: "usa" ~ "united states america"
    n = len(head)
    if n >= 2 and len(long_) >= n and "".join(w[0] for w in long_[:n]) == head:
        return _abbreviates(short[1:], long_[n:])
    return False


@dataclass
class Agreement:
    """Per field: True agree, False disagree, None cannot tell (one side lacks it)."""

    doi: bool | None = None
    title: float | None = None  # similarity 0..1
    first_author: bool | None = None
    authors: float | None = None  # share of the shorter family-name list found in the other
    year: int | None = None  # absolute difference in years
    volume: bool | None = None
    page: bool | None = None  # first pages equal
    container: bool | None = None

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _both(x: str, y: str) -> bool:
    return bool(x) and bool(y)


def compare(a: Record, b: Record) -> Agreement:
    """Field-by-field agreement of two records."""
    out = Agreement()
    da, db = doi_key(a.doi), doi_key(b.doi)
    if _both(da, db):
        out.doi = da == db
    ta, tb = title_key(a), title_key(b)
    if _both(ta, tb):
        out.title = fuzz.ratio(ta, tb) / 100.0
    fa, fb = first_family(a), first_family(b)
    if _both(fa, fb):
        out.first_author = fa == fb
        na = [family_key(n) for n in a.author if family_key(n)]
        nb = [family_key(n) for n in b.author if family_key(n)]
        shorter, other = (na, set(nb)) if len(na) <= len(nb) else (nb, set(na))
        out.authors = sum(n in other for n in shorter) / len(shorter) if shorter else None
    if a.year and b.year:
        out.year = abs(a.year - b.year)
    va, vb = fold(a.get("volume")), fold(b.get("volume"))
    if _both(va, vb):
        out.volume = va == vb
    pa, pb = first_page(a.get("page")), first_page(b.get("page"))
    if _both(pa, pb):
        out.page = pa == pb
    ca = a.get("container-title") or a.get("container-title-short")
    cb = b.get("container-title") or b.get("container-title-short")
    if _both(ca, cb):
        out.container = any(
            container_agrees(x, y)
            for x in (a.get("container-title"), a.get("container-title-short")) if x
            for y in (b.get("container-title"), b.get("container-title-short")) if y
        )
    return out


def same_work(a: Record, b: Record) -> bool:
    """True when `a` and `b` describe the same work (conservative: no wrong merges)."""
    ag = compare(a, b)
    if ag.doi is not None:
        return ag.doi
    if ag.year not in (None, 0) or ag.first_author is False or ag.volume is False or ag.page is False:
        return False
    return (ag.title or 0.0) >= 0.95
