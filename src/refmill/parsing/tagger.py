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
    if text.isprintable():  # no whitespace but " ": splitting is faster than the regex
        spans, pos = [], 0
        for word in text.split(" "):
            if word:
                spans.append((word, pos, pos + len(word)))
            pos += len(word) + 1
    else:
        spans = [(m.group(), *m.span()) for m in _WORD_RX.finditer(text)]
    out = []
    new = tuple.__new__  # Token(...) without the Python-level constructor: the hot path
    for word, start, end in spans:
        pieces = _pieces(word) if len(word) > 3 else None
        if pieces:
            for a, b in pieces:
                out.append(new(Token, (word[a:b], start + a, start + b)))
        else:
            out.append(new(Token, (word, start, end)))
    return out


@lru_cache(maxsize=100_000)
def _pieces(word: str) -> tuple[tuple[int, int], ...] | None:
    """Where `word` is cut (offsets of its pieces), or None when it stays whole."""
    if _WHOLE_RX.match(word) or not _CUT_RX.search(word):
        return None
    out = []
    cut = 0
    for c in _CUT_RX.finditer(word):
        at = c.start() if c.group() == "(" else c.end()
        if at > cut:
            out.append((cut, at))
            cut = at
    out.append((cut, len(word)))
    return tuple(out)


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

    feats: tuple[bytes, ...]  # its own features
    as_prev1: bytes  # its features seen from the next token, ...
    as_prev2: bytes
    as_next1: bytes  # ... and from the previous ones
    as_next2: bytes
    as_prev_trail: bytes
    as_next_lead: bytes
    as_prev_shape: bytes
    as_next_shape: bytes
    as_prev_trail_shape: bytes  # "t-1|s=" + its trail + "|": the next token adds its shape
    trail_shape_next: bytes  # "t|s+1=" + its trail + "|": the next token's shape follows
    shape: bytes
    opens_quote: bool
    closes_quote: bool
    straight_quote: bool
    brackets: tuple[int, int]  # opened, closed
    ends_sentence: bool
    year: bool
    digit: bool  # starts with a digit
    lower: bool  # starts with a lower-case letter
    marker_in: bool  # "In", "in:" (a container follows)



@lru_cache(maxsize=200_000)
def _word(word: str) -> _Word:
    lead, core, trail = _EDGE_RX.match(word).groups()
    trail, lead = trail[-3:], lead[-2:]
    first = core[:1]
    digit = first.isdigit()
    if _WHOLE_RX.match(word):
        low = "<link>"
        feats = ["w=<link>", "s=link", "t=" + trail]
    else:
        low = core.lower() or word
        shape = _shape(core)
        if digit:
            low = "#%d" % min(len(core), 5) if core.isdigit() else shape
        feats = ["w=" + low, "s=" + shape, "l=" + lead, "t=" + trail]
        if len(low) > 3 and low.isalpha():
            feats.append("x=" + low[-3:])
            feats.append("p=" + low[:3])
        if not core:
            feats.append("punct")
        elif digit:
            feats.append("d=%d" % min(len(core), 5))
            if _YEAR_RX.fullmatch(core):
                feats.append("year")
            elif _RANGE_RX.fullmatch(core):
                feats.append("range")
        elif first.isalpha():
            if low in _MONTHS:
                feats.append("month")
            upper = core.isupper()
            if len(core) <= 3 and upper and (len(core) == 1 or trail[:1] == "."):
                feats.append("initial")
            if upper and len(core) > 1:
                feats.append("caps")
            elif first.isupper() and 1 < len(core) <= 7 and trail[:1] == "." and core.isalpha():
                feats.append("abbr")  # "Proc.", "Phys.": journal abbreviations
            if not core.isascii():
                feats.append("nonascii")
                if ord(first) > 0x2E7F:
                    feats.append("cjk")
    # sentence ends: "word." or "2001." (not an initial or short abbreviation), "?", "!", a
    # closing quote
    ends = bool(trail) and (
        trail[-1] in "?!”" or trail[-1] == "." and (len(low) > 3 or digit) and "initial" not in feats
    )
    shape, own, year = feats[1][2:], len(feats), "year" in feats
    # as UTF-8 bytes, which crfsuite takes without converting each attribute of each token
    # (one encode of them all, split again at NULs: the hot path; a NUL in a word is kept)
    feats += ("w-1=" + low, "w-2=" + low, "w+1=" + low, "w+2=" + low, "t-1=" + trail, "l+1=" + lead,
              "s-1=" + shape, "s+1=" + shape, "t-1|s=" + trail + "|", "t|s+1=" + trail + "|", shape)
    encoded = "\0".join(feats).encode().split(b"\0") if "\0" not in word else [f.encode() for f in feats]
    return _Word(
        tuple(encoded[:own]), *encoded[own:],
        word[0] in _OPEN_QUOTES, word[-1] in _CLOSE_QUOTES or trail[-2:-1] in _CLOSE_QUOTES,
        word[0] == '"' or word[-1] == '"',
        (word.count("(") + word.count("["), word.count(")") + word.count("]")), ends, year,
        digit, first.islower(), low == "in" and (core == "In" or trail[:1] == ":"),
    )


_POS = tuple(b"pos=%d" % k for k in range(10))
_SENT = tuple(b"sent=%d" % k for k in range(7))
# distance to the next token that starts with a digit (the volume, pages or year after a
# container), and sentence length, in buckets
_NEXT_DIGIT = (b"nd=0", b"nd=1", b"nd=2", b"nd=3", b"nd=4", b"nd=4", b"nd=6", b"nd=6", b"nd=6", b"nd=9")
_SENT_LEN = (b"sl=1", b"sl=1", b"sl=2", b"sl=3", b"sl=4", b"sl=4", b"sl=4") + (b"sl=7",) * 6


# what lies beyond either end of a reference, seen as a neighbour
_EDGE_WORD = _Word((), b"w-1=^", b"w-2=^", b"w+1=$", b"w+2=$", b"t-1=^", b"l+1=$", b"s-1=^", b"s+1=$", b"t-1|s=^|",
                   b"", b"$", False, False, False, (0, 0), False, False, False, False, False)


def _sentences(words: list[_Word]) -> list[bytes]:
    """Each token's sentence, described: its length, how many of its words start lower-case
    (a title in sentence case, not a journal), whether it has a number."""
    out: list[bytes] = []
    start, n = 0, len(words)
    for i, w in enumerate(words):
        if w.ends_sentence or i == n - 1:
            k = i + 1 - start
            low = digit = 0
            for x in words[start:i + 1]:
                low += x.lower
                digit = digit or x.digit
            tag = (_SENT_LEN[k] if k < 13 else b"sl=13") + (b"|lc=0" if not low else b"|lc=1" if 3 * low < k else b"|lc=2")
            out.extend([tag + b"|d" if digit else tag] * k)
            start = i + 1
    return out


def features(tokens: list[Token]) -> list[list[bytes]]:
    """One list of "name=value" attributes per token (the pinned feature set), UTF-8."""
    words = [_word(t.text) for t in tokens]
    n = len(words)
    edge = [_EDGE_WORD]
    # the sentence each token is in (counted up to 6), and its distance to the next number
    sent, k = [], 0
    for w in words:
        sent.append(_SENT[k])
        if w.ends_sentence and k < 6:
            k += 1
    nd, next_digit = [b"nd=x"] * n, n
    for i in range(n - 1, -1, -1):
        if next_digit - i < 10:
            nd[i] = _NEXT_DIGIT[next_digit - i]
        if words[i].digit:
            next_digit = i
    out = [
        [*w.feats, p.as_prev1, q.as_next1, p2.as_prev2, q2.as_next2, p.as_prev_trail, q.as_next_lead,
         p.as_prev_trail_shape + w.shape, _POS[10 * i // n], p.as_prev_shape, q.as_next_shape,
         w.trail_shape_next + q.shape, se, d, sl]
        for i, (w, p, q, p2, q2, se, d, sl) in enumerate(
            zip(words, edge + words, words[1:] + edge, edge + edge + words, words[2:] + edge + edge, sent, nd,
                _sentences(words)))
    ]
    quoted = after_in = year_seen = False
    depth = 0
    for f, w, t in zip(out, words, tokens):
        if after_in:
            f.append(b"ain")
        after_in = after_in or w.marker_in
        if year_seen:
            f.append(b"ay")
        if w.opens_quote or w.straight_quote and not quoted and t.text[0] == '"':
            quoted = True
        if quoted:
            f.append(b"inq")
            if w.closes_quote or w.straight_quote and t.text[-1] == '"':
                quoted = False
        if depth or w.brackets[0]:
            depth += w.brackets[0]
            f.append(b"inb")
            depth = max(0, depth - w.brackets[1])
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
