"""Splitting pasted text into one block of lines per reference, by layout."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .clean import is_chrome
from .names import family_initials, is_et_al

_BULLET_RX = re.compile(r"^\s*[•●▪◦·]\s*(?P<text>.*?)\s*$")


@dataclass
class Block:
    """The lines of one reference, with the 1-based number of its first line."""

    lines: list[str]
    line: int
    layout: str  # "sciencedirect" (author bullets) or "line" (one reference on a line)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def bullet_text(line: str) -> str | None:
    m = _BULLET_RX.match(line)
    return m.group("text") if m else None


def is_reference_author(text: str) -> bool:
    """A ScienceDirect reference bullet: "Family I." or "et al."."""
    return is_et_al(text) or family_initials(text) is not None


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
            line = lines[i].strip()
            if line and not is_chrome(line):
                group.append(line)
            i += 1
        blocks.append(Block(group, start + 1, "sciencedirect"))
    return blocks


def line_blocks(lines: list[str], keep_chrome: bool = False) -> list[Block]:
    """One reference per non-empty line."""
    return [
        Block([line.strip()], number, "line")
        for number, line in enumerate(lines, 1)
        if line.strip() and (keep_chrome or not is_chrome(line))
    ]
