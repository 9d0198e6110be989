"""Splitting pasted text into one block of lines per reference, by layout.

Layouts, tried in this order:

- ``sciencedirect``: one "• Family I." line per author, the title line(s), the source line;
- ``numbered``: "1.", "[1]", "1)", "(1)", or the number alone on its line (Wiley,
  Silverchair); text before the first number is not part of the list;
- ``paragraph``: references separated by blank lines;
- ``line``: one reference per line, with lines wrapped from a PDF (hanging indents, a line
  that goes on in lower case, a word hyphenated at the end) joined back.

Chrome lines are dropped and chrome inside lines cut (`clean`), so blocks hold only
reference text; `Block.text` joins their lines, repairing end-of-line hyphenation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .clean import is_chrome, is_heading, strip_chrome
from .names import ANONYMOUS, family_initials, is_et_al, is_organisation, scan_names

_CJK_NAME_RX = re.compile(r"[\uac00-\ud7a3\u4e00-\u9fff]{2,5}")
_BULLET_RX = re.compile(r"^\s*[•●▪◦·]\s*(?P<text>.*?)\s*$")
_MARKERS = {
    "bracket": re.compile(r"^\s*\[(?P<n>\d{1,6})\]\s*(?P<rest>.*)$"),
    "dot": re.compile(r"^\s*(?P<n>\d{1,6})\.(?!\d)\s*(?P<rest>.*)$"),
    "paren": re.compile(r"^\s*\((?P<n>\d{1,6})\)\s*(?P<rest>.*)$"),
    "close": re.compile(r"^\s*(?P<n>\d{1,6})\)\s*(?P<rest>.*)$"),
    "alone": re.compile(r"^\s*(?P<n>\d{1,6})\s*(?P<rest>)$"),
    # "1 Smith J, …" as PDFs and some pages paste it: the number, a space, then a word
    "space": re.compile(r"^\s*(?P<n>\d{1,6})\s+(?P<rest>(?=[^\W\d_]|[\"“‘«„]).*)$"),
}
# a hyphen at a line's end is kept after a capital, a digit or a common prefix ("B-\ncell",
# "IL-\n8", "self-\nreport"), dropped inside a word broken by the PDF ("immuno-\ntherapy")
_KEEP_HYPHEN_PREFIXES = frozenset(
    "self well non cross ill all half full ex quasi long short high low wide large small time dose age cell "
    "case state first second third one two three four five single double multi anti pre post co re".split()
)
_URLISH_RX = re.compile(r"(?:https?://|www\.|doi\.org|\b10\.\d{4,9}/)\S*$", re.IGNORECASE)


@dataclass
class Block:
    """The lines of one reference, with the 1-based number of its first line."""

    lines: list[str]
    line: int
    layout: str  # "sciencedirect", "numbered", "paragraph" or "line"

    @property
    def text(self) -> str:
        return join_lines(self.lines)


# a line ending so goes on in the next: "Smith J, Jones K," / "… in" / "immuno-"
RUNS_ON = ("-", ",", ";", ":", "&", "(", " and", " in", " of", " the")
_TAIL_KEPT = 2048  # of the last word joined: more than any URL or DOI needs, and bounded


def join_lines(lines: list[str]) -> str:
    """Lines of one reference -> one string; end-of-line hyphenation repaired.

    Each decision looks only at the last word joined so far (`tail`) and the last piece, so
    joining stays linear however many lines a block has."""
    parts: list[str] = []
    tail = ""  # the last whitespace-free run of the text joined so far
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        words = line.split()
        glue = " "
        if not parts:
            glue = ""
        elif tail.endswith(("/", ".", "_", "-")) and _URLISH_RX.search(tail):
            glue = ""  # a URL or DOI broken at the line's end
        elif tail.endswith("-") and not tail.endswith("--") and line[:1].islower():
            m = re.search(r"([^\W\d_]+)-$", tail[-64:])  # no kept prefix is that long
            prefix = m.group(1) if m else ""
            glue = ""
            if prefix and prefix[-1].islower() and len(prefix) >= 2 and prefix.lower() not in _KEEP_HYPHEN_PREFIXES:
                parts[-1] = parts[-1][:-1]  # "immuno-" + "therapy"
                tail = tail[:-1]
        elif tail.endswith("-") and not parts[-1].endswith(" -"):
            glue = ""
        parts.append(glue + line)
        if len(parts) > 1 and not glue and len(words) == 1:
            tail = (tail + words[0])[-_TAIL_KEPT:]
        else:
            tail = words[-1]
    return "".join(parts)


def bullet_text(line: str) -> str | None:
    m = _BULLET_RX.match(line)
    return m.group("text") if m else None


def is_reference_author(text: str) -> bool:
    """A ScienceDirect reference bullet: "Family I.", a Hangul or CJK name, or "et al."."""
    return is_et_al(text) or family_initials(text) is not None or bool(_CJK_NAME_RX.fullmatch(text.strip()))


def sciencedirect_blocks(lines: list[str]) -> list[Block]:
    """ScienceDirect: a run of "• Family I." lines, the title line(s), the source line.

    Bullets that are not reference authors (the article's own "• Given Family" byline,
    paywall bullets) start no block; chrome lines between references are dropped.
    """
    blocks: list[Block] = []
    i, n = 0, len(lines)
    while i < n:
        text = bullet_text(lines[i])
        if text is None or not is_reference_author(text):
            i += 1
            continue
        start = i
        group: list[str] = []
        while i < n and (t := bullet_text(lines[i])) is not None and is_reference_author(t):
            group.append("• " + t)
            i += 1
        while i < n and bullet_text(lines[i]) is None:
            line = strip_chrome(lines[i]).strip()
            if line and not is_chrome(line):
                group.append(line)
            i += 1
        blocks.append(Block(group, start + 1, "sciencedirect"))
    return blocks


def _chain(lines: list[str], rx: re.Pattern) -> list[tuple[int, re.Match]]:
    """The longest run of markers numbered n, n+1, n+2, … in line order."""
    best: dict[int, tuple[int, int | None, int, re.Match]] = {}  # n -> (length, prev line, line, match)
    top: tuple[int, int] | None = None  # (length, n)
    hits: dict[int, tuple[int, int | None, int, re.Match]] = {}
    for i, line in enumerate(lines):
        m = rx.match(line)
        if not m:
            continue
        n = int(m.group("n"))
        prev = best.get(n - 1)
        entry = (prev[0] + 1, prev[2], i, m) if prev else (1, None, i, m)
        if n not in best or entry[0] >= best[n][0]:
            best[n] = entry
            hits[i] = entry
            if top is None or entry[0] > top[0]:
                top = (entry[0], i)
    if top is None:
        return []
    out: list[tuple[int, re.Match]] = []
    i: int | None = top[1]
    while i is not None:
        length, prev_line, line_no, m = hits[i]
        out.append((line_no, m))
        i = prev_line
    return out[::-1]


def numbered_blocks(lines: list[str]) -> list[Block]:
    """Numbered lists: every marker of the longest consecutive numbering starts a block."""
    best: list[tuple[int, re.Match]] = []
    for kind, rx in _MARKERS.items():
        chain = _chain(lines, rx)
        if len(chain) > len(best) and (kind != "space" or len(chain) >= 3):  # a bare number is weaker
            best = chain
    if len(best) < 2:
        return []
    blocks: list[Block] = []
    for k, (i, m) in enumerate(best):
        last = k + 1 == len(best)
        end = best[k + 1][0] if not last else len(lines)
        body: list[str] = []
        first_line = i + 1
        rest = m.group("rest")
        if rest.strip():
            body.append(rest)
        for j in range(i + 1, end):
            line = lines[j]
            if not line.strip():
                if last and body:
                    if j + 1 < end and lines[j + 1][:1].isspace() and lines[j + 1].strip():
                        continue  # a hanging indent goes on after a blank line
                    break
                continue
            if is_chrome(line) or is_heading(line):
                continue
            if not body:
                first_line = j + 1
            body.append(line)
        body = [s for s in (strip_chrome(b) for b in body) if s.strip()]
        if body:
            blocks.append(Block(body, first_line, "numbered"))
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _starts_reference(line: str) -> bool:
    """A line that can begin a reference: an author list, a quoted title, an organisation."""
    text = line.strip()
    if re.match(r"^[\"“‘«„]", text) or _ANONYMOUS_RX.match(text):
        return True
    names = scan_names(text)
    if names.names or names.placeholder:
        return True
    first = text.split(". ", 1)[0]  # "National Institute for Health and Care Excellence. …"
    return len(first) < len(text) and is_organisation(first)


_ANONYMOUS_RX = re.compile(ANONYMOUS + r"[.,]\s", re.IGNORECASE)
# a line that ends in a whole link ("… https://doi.org/10.1038/nature01234") ends there
_ENDS_IN_LINK_RX = re.compile(r"(?:https?://|doi:\s?|\b10\.\d{4,9}/)[^\s/]+(?:/[^\s/]+)*[^\s/.,;-]$", re.IGNORECASE)


def group_wrapped(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """Group (line number, text) pairs into references, joining lines wrapped from a PDF."""
    groups: list[list[tuple[int, str]]] = []
    if not lines:
        return groups
    base = min(_indent(t) for _, t in lines)
    hanging = any(_indent(t) > base for _, t in lines) and _indent(lines[0][1]) == base
    dated = False  # the group so far has a year, "n.d.", "in press", a DOI or a link
    carry = ""  # the group's last characters, for a mark that runs across the line break
    for number, text in lines:
        if not groups:
            groups.append([(number, text)])
            dated, carry = _dated("", text), text[-_CARRY:]
            continue
        prev = groups[-1][-1][1].rstrip()
        stripped = text.strip()
        if hanging:
            go_on = _indent(text) > base
        else:
            go_on = (
                prev.endswith(RUNS_ON)
                or stripped[:1].islower()
                or not stripped[:1].isalnum() and stripped[:1] not in "\"“‘«„[(—–-" and not stripped.startswith(("’t ", "'t "))
                or stripped[:1].isdigit()
                or not re.search(r"[.)\]”\"'’\d]$", prev) and not _ENDS_IN_LINK_RX.search(prev)
                or not dated
                or not _starts_reference(stripped)
            )
        if go_on:
            groups[-1].append((number, text))
            dated = dated or _dated(carry, text)
            carry = (carry + " " + text)[-_CARRY:]
        else:
            groups.append([(number, text)])
            dated, carry = _dated("", text), text[-_CARRY:]
    return groups


_DATED_RX = re.compile(r"(?:1[5-9]|20)\d\d|\b(?:n\.d\.|in press)|doi|https?://", re.IGNORECASE)
_CARRY = 40  # longer than any mark _DATED_RX finds


def _dated(carry: str, text: str) -> bool:
    """Whether `text`, added to a group ending in `carry`, brings a date mark. A match that
    starts at the carry's first character lies wholly in the carry (marks are short) and was
    counted before; skipping it keeps a word cut by the carry from looking like one."""
    if _DATED_RX.search(text):
        return True
    return bool(carry) and any(m.start() > 0 for m in _DATED_RX.finditer(carry + " " + text))


def _region(lines: list[str]) -> int:
    """Index of the first line after the last "References" heading (0 when there is none)."""
    start = 0
    for i, line in enumerate(lines):
        if is_heading(line):
            start = i + 1
    return start


def paragraph_blocks(lines: list[str]) -> list[Block]:
    """References separated by blank lines (or, with no blank lines, one or more lines each)."""
    start = _region(lines)
    paragraphs: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines[start:], start + 1):
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if is_chrome(line) or is_heading(line):
            continue
        cleaned = strip_chrome(line)
        if cleaned.strip():
            paragraphs[-1].append((number, cleaned))
    paragraphs = [p for p in paragraphs if p]
    layout = "paragraph" if len(paragraphs) > 1 else "line"
    blocks: list[Block] = []
    for para in paragraphs:
        if layout == "paragraph" and not _all_complete(para):
            groups = [para]
        else:
            groups = group_wrapped(para)
        for group in groups:
            blocks.append(Block([t for _, t in group], group[0][0], layout if len(group) > 1 or layout == "paragraph" else "line"))
    return blocks


def _all_complete(para: list[tuple[int, str]]) -> bool:
    """Every line of a paragraph is a whole reference (a list pasted without blank lines)."""
    return len(para) > 2 and all(
        len(t) > 40 and re.search(r"(?:1[5-9]|20)\d\d", t) and re.search(r"[.)\d]$", t.rstrip()) and _starts_reference(t)
        for _, t in para
    )


def line_blocks(lines: list[str], keep_chrome: bool = False) -> list[Block]:
    """Exactly one block per non-empty line (for `--one-per-line`)."""
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not keep_chrome and is_chrome(line):
            continue
        out.append(Block([strip_chrome(line).strip() or line.strip()], number, "line"))
    return out


def split_blocks(lines: list[str]) -> list[Block]:
    """The references of a pasted page, by the first layout that fits. After a "References"
    heading only what follows it is read ("1 Introduction … 3 Results" before it is the
    article, not a numbered list), unless nothing readable follows it."""
    start = _region(lines)
    if start:
        blocks = _layout_blocks(lines[start:])
        if blocks:
            for block in blocks:
                block.line += start
            return blocks
    return _layout_blocks(lines)


def _layout_blocks(lines: list[str]) -> list[Block]:
    return sciencedirect_blocks(lines) or numbered_blocks(lines) or paragraph_blocks(lines)
