"""The learned field tagger: one reference string -> tokens labelled by field (a linear CRF).

The model (`tagger.crfsuite`, shipped in the package) is trained by `refmill.parsing.train`
on the AnyStyle and GROBID corpora; it is opened on first use, once per process, so
importing refmill costs nothing. Feature extraction is the hot path of `refmill parse`:
a token's own features depend only on its text and are cached; the rest are a few string
joins per token.

The feature set is pinned: changing anything here changes what the shipped model means, so
retrain (`python -m refmill.parsing.train`) and commit the new model with it.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

MODEL_PATH = Path(__file__).with_name("tagger.crfsuite")

# Tokens are whitespace-separated words with their punctuation attached ("(2011).", "Smith,"),
# as AnyStyle reads references: the punctuation around a word is its strongest feature. A
# word is cut after a comma, semicolon or colon glued to the next word ("103,035002",
# "2014;371(16):1507-17"), between an abbreviation and a number ("Med.39") or a capitalised
# word ("J.Am.Chem", "P.N.Meisinger", as PDFs lose spaces), after a quote and a period, and
# before a parenthesis ("44(5)"); URLs and DOIs stay whole.
_WORD_RX = re.compile(r"\S+")
# each alternative starts with the character it cuts after (before, for "("), which keeps
# the search fast
_CUT_RX = re.compile(
    r"[,;:](?=[^\s,;:/])"
    r"|\.(?<=[^\W\d_]\.)(?=\d)"
    r"|\((?<=[^\W_.]\()"
    r"|\.(?<=\w\.)(?=[A-Z][a-z])"
    r"|\.(?<=[\"”]\.)(?=\w)"
    r"|[\"”](?<=\.[\"”])(?=\w)"
)
_WHOLE_RX = re.compile(r"(?:https?://|www\.|doi:|10\.\d)", re.IGNORECASE)
_EDGE_RX = re.compile(r"^([^\w]*)(.*?)([^\w]*)$", re.UNICODE | re.DOTALL)
_YEAR_RX = re.compile(r"(?:1[5-9]\d\d|20\d\d)[a-z]?")
_RANGE_RX = re.compile(r"[A-Za-z]?\d+\s*[-–—]+\s*[A-Za-z]?\d+")
_MONTHS = frozenset(
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july"
    " august september october november december".split()
)
_OPEN_QUOTES = frozenset("“„«‘")
_CLOSE_QUOTES = frozenset("”»’")


class Token(NamedTuple):
    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    out = []
    for m in _WORD_RX.finditer(text):
        word, start = m.group(), m.start()
        if len(word) > 3 and not _WHOLE_RX.match(word) and _CUT_RX.search(word):
            cut = 0
            for c in _CUT_RX.finditer(word):
                at = c.start() if c.group() == "(" else c.end()
                if at > cut:
                    out.append(Token(word[cut:at], start + cut, start + at))
                    cut = at
            out.append(Token(word[cut:], start + cut, m.end()))
        else:
            out.append(Token(word, start, m.end()))
    return out


def _shape(word: str) -> str:
    """Character classes with runs collapsed: "Smith" -> "Aa", "J." -> "A.", "2000" -> "0"."""
    out = []
    for c in word:
        k = "A" if c.isupper() else "a" if c.islower() else "0" if c.isdigit() else "x" if c.isalpha() else c
        if not out or out[-1] != k:
            out.append(k)
    return "".join(out)[:6]


class _Word(NamedTuple):
    """What the tagger needs of one token, computed once per distinct token text."""

    feats: tuple[str, ...]  # its own features
    as_prev1: str  # its features seen from the next token, ...
    as_prev2: str
    as_next1: str  # ... and from the previous ones
    as_next2: str
    as_prev_trail: str
    as_next_lead: str
    shape: str
    trail: str
    opens_quote: bool
    closes_quote: bool
    straight_quote: bool
    brackets: tuple[int, int]  # opened, closed
    ends_sentence: bool
    year: bool


@lru_cache(maxsize=200_000)
def _word(word: str) -> _Word:
    lead, core, trail = _EDGE_RX.match(word).groups()
    trail = trail[-3:]
    if _WHOLE_RX.match(word):
        low = "<link>"
        feats = ["w=<link>", "s=link", "t=" + trail]
    else:
        low = core.lower() or word
        if core[:1].isdigit():
            low = "#%d" % min(len(core), 5) if core.isdigit() else _shape(core)
        feats = ["w=" + low, "s=" + _shape(core), "l=" + lead[-2:], "t=" + trail]
        if len(low) > 3 and low.isalpha():
            feats.append("x=" + low[-3:])
            feats.append("p=" + low[:3])
        if not core:
            feats.append("punct")
        elif core[0].isdigit():
            feats.append("d=%d" % min(len(core), 5))
            if _YEAR_RX.fullmatch(core):
                feats.append("year")
            elif _RANGE_RX.fullmatch(core):
                feats.append("range")
        elif core[0].isalpha():
            if low in _MONTHS:
                feats.append("month")
            if len(core) <= 3 and core.isupper() and (len(core) == 1 or trail.startswith(".")):
                feats.append("initial")
            if core.isupper() and len(core) > 1:
                feats.append("caps")
            if not core.isascii():
                feats.append("nonascii")
                if ord(core[0]) > 0x2E7F:
                    feats.append("cjk")
    # sentence ends: "word." (not an initial or abbreviation), "?", "!", a closing quote
    ends = bool(trail) and (trail[-1] in "?!”" or trail[-1] == "." and len(low) > 3 and "initial" not in feats)
    return _Word(
        tuple(feats), "w-1=" + low, "w-2=" + low, "w+1=" + low, "w+2=" + low, "t-1=" + trail,
        "l+1=" + lead[-2:], feats[1][2:], trail,
        word[0] in _OPEN_QUOTES, word[-1] in _CLOSE_QUOTES or trail[-2:-1] in _CLOSE_QUOTES,
        word[0] == '"' or word[-1] == '"',
        (word.count("(") + word.count("["), word.count(")") + word.count("]")), ends, "year" in feats,
    )


_POS = tuple("pos=%d" % k for k in range(10))
_SENT = tuple("sent=%d" % k for k in range(7))


# what lies beyond either end of a reference, seen as a neighbour
_EDGE_WORD = _Word((), "w-1=^", "w-2=^", "w+1=$", "w+2=$", "t-1=^", "l+1=$", "", "^", False, False, False,
                   (0, 0), False, False)


def features(tokens: list[Token]) -> list[list[str]]:
    """One list of "name=value" attributes per token (the pinned feature set)."""
    words = [_word(t.text) for t in tokens]
    n = len(words)
    edge = [_EDGE_WORD]
    out = [
        [*w.feats, p.as_prev1, q.as_next1, p2.as_prev2, q2.as_next2, p.as_prev_trail, q.as_next_lead,
         "t-1|s=" + p.trail + "|" + w.shape, _POS[10 * i // n]]
        for i, (w, p, q, p2, q2) in enumerate(
            zip(words, edge + words, words[1:] + edge, edge + edge + words, words[2:] + edge + edge))
    ]
    quoted = False
    depth = sentences = 0
    year_seen = False
    for f, w, t in zip(out, words, tokens):
        f.append(_SENT[sentences])
        if year_seen:
            f.append("ay")
        if w.opens_quote or w.straight_quote and not quoted and t.text[0] == '"':
            quoted = True
        if quoted:
            f.append("inq")
            if w.closes_quote or w.straight_quote and t.text[-1] == '"':
                quoted = False
        if depth or w.brackets[0]:
            depth += w.brackets[0]
            f.append("inb")
            depth = max(0, depth - w.brackets[1])
        if w.ends_sentence and sentences < 6:
            sentences += 1
        year_seen = year_seen or w.year
    return out


class _Model:
    """The CRF tagger, opened on first use (one per process, shared by threads)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tagger = None
        self._lock = threading.Lock()

    def tagger(self):
        if self._tagger is None:
            with self._lock:
                if self._tagger is None:
                    import pycrfsuite

                    tagger = pycrfsuite.Tagger()
                    tagger.open(str(self.path))
                    self._tagger = tagger
        return self._tagger


_MODEL = _Model(MODEL_PATH)


def is_loaded() -> bool:
    return _MODEL._tagger is not None


def tag(tokens: list[Token]) -> tuple[list[str], dict[int, float]]:
    """Labels for `tokens`, and the marginal probability of the chosen label at the first and
    last token of each run of one label (where a tagger's doubt lies: the field boundaries)."""
    if not tokens:
        return [], {}
    tagger = _MODEL.tagger()
    with _MODEL._lock:
        labels = tagger.tag(features(tokens))
        last = len(labels) - 1
        probs = {
            i: tagger.marginal(y, i)
            for i, y in enumerate(labels)
            if i == 0 or i == last or labels[i - 1] != y or labels[i + 1] != y
        }
    return labels, probs
