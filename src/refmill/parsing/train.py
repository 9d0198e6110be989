"""Rebuild the shipped tagger model from the labelled corpora, bit for bit.

    python -m refmill.parsing.train [--data ../shared/data] [-o src/refmill/parsing/tagger.crfsuite]

Training data: `parse_train.jsonl` (which references, and the held-out rule) and the original
segmentation in `raw/` (AnyStyle XML and GROBID TEI, where every span of a reference carries
its field), both from the shared data folder; its README says where the corpora come from.
A reference is held out, never trained on, when the first hex digit of the SHA-1 of its
text is 0 (`benchmarks/parse_accuracy.py` scores the model on exactly those).

The run is deterministic: references in file order, fixed L-BFGS settings, no randomness,
so two runs on the same data give the same model file (compare their SHA-256).
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Iterator
from xml.etree.ElementTree import Element

from defusedxml.ElementTree import parse as parse_xml

from .tagger import MODEL_PATH, features, tokenize

# Pinned training settings (changing them changes the shipped model).
PARAMS = {
    "c1": 1.0,
    "c2": 0.01,
    "max_iterations": 600,
    "feature.minfreq": 2,
    "feature.possible_transitions": True,
}

# Corpus tags -> tagger labels.
ANYSTYLE_LABELS = {
    "author": "author",
    "editor": "editor",
    "translator": "note",
    "director": "note",
    "producer": "note",
    "title": "title",
    "journal": "container",
    "container-title": "container",
    "collection-title": "collection",
    "date": "date",
    "volume": "volume",
    "pages": "pages",
    "publisher": "publisher",
    "location": "location",
    "edition": "edition",
    "doi": "doi",
    "url": "url",
    "isbn": "isbn",
    "citation-number": "number",
}
GROBID_LABELS = {
    "author": "author",
    "editor": "editor",
    "title/a": "title",
    "title/j": "container",
    "title/s": "collection",
    "date": "date",
    "scope/vol": "volume",
    "scope/volume": "volume",
    "scope/issue": "issue",
    "scope/pp": "pages",
    "scope/page": "pages",
    "publisher": "publisher",
    "pubPlace": "location",
    "idno/DOI": "doi",
    "idno/arxiv": "arxiv",
    "idno/arXiv": "arxiv",
    "idno/ISBN": "isbn",
    "idno/isbn": "isbn",
    "ptr/web": "url",
}
_JOIN_NEXT = frozenset(
    "in dans pp p pages vol volume v no nos nr n n° issue number 제 第 doi bd edited by".split()
)
_JOIN_PREVIOUS = frozenset("호 권 집 期 页 号 eds ed editors editor edd hg dir".split())
_BEFORE, _AFTER = "<before>", "<after>"  # markers, compared by identity
_OPENERS = frozenset("([{“‘«\"'")
_TEI = "{http://www.tei-c.org/ns/1.0}"


def held_out(text: str) -> bool:
    """The fixed evaluation split: SHA-1 of the UTF-8 text starts with hex digit 0."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[0] == "0"


def dev_slice(text: str) -> bool:
    """The development slice of the training part (SHA-1 digit 1): features and settings are
    chosen on it (`benchmarks/parse_dev.py`), with a model trained on the rest."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[0] == "1"


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


Segments = list[tuple[str, str | None]]  # (text, label or None for unlabelled glue)


def anystyle_sequences(path: str) -> Iterator[Segments]:
    for seq in parse_xml(path).getroot().iter("sequence"):
        out: Segments = []
        for child in seq:
            text = _ws("".join(child.itertext()))
            if text:
                out.append((text + " ", ANYSTYLE_LABELS.get(child.tag, "note")))
        yield out


def _grobid_tag(el: Element) -> str:
    tag = el.tag.replace(_TEI, "")
    kind = el.get("level") or el.get("unit") or el.get("type") or ""
    prefix = {"title": "title/", "biblScope": "scope/", "idno": "idno/", "ptr": "ptr/"}.get(tag)
    return prefix + kind if prefix else tag


def _flatten(el: Element, label: str | None, has_article: bool, out: Segments) -> None:
    if el.text:
        out.append((el.text, label))
    for child in el:
        tag = _grobid_tag(child)
        inner = label
        if label is None and tag != "lb":
            if tag == "title/m":  # a book: the title, or the container of a chapter
                inner = "container" if has_article else "title"
            else:
                inner = GROBID_LABELS.get(tag, "note")
        _flatten(child, inner, has_article, out)
        if child.tail:
            out.append((child.tail, label))


def grobid_sequences(path: str) -> Iterator[Segments]:
    for el in parse_xml(path).getroot().iter():
        if el.tag.replace(_TEI, "") == "bibl":
            has_article = any(_grobid_tag(c) == "title/a" for c in el.iter())
            out: Segments = []
            _flatten(el, None, has_article, out)
            yield out


def label_tokens(segments: Segments) -> tuple[str, list[str], list[str]]:
    """Join the segments as parse_train.jsonl does; one label per token of the joined text.

    Glue between tagged spans (GROBID's ". " and ", ") joins the field before it when it is
    only punctuation, as AnyStyle writes it; glue words are labelled "note".
    """
    text = ""
    spans: list[tuple[int, int, str | None]] = []
    for part, label in segments:
        part = re.sub(r"\s+", " ", part)
        if text.endswith(" ") and part.startswith(" "):
            part = part.lstrip()
        spans.append((len(text), len(text) + len(part), label))
        text += part
    stripped = text.lstrip()
    shift = len(text) - len(stripped)
    text = stripped.rstrip()
    tokens = tokenize(text)
    labels: list[str | None] = []
    k = 0
    for tok in tokens:
        # a token takes the field of its first letter or digit ("(1980)." is a date)
        first = next((i for i, c in enumerate(tok.text) if c.isalnum()), None)
        pos = tok.start + shift + (first or 0)
        while k < len(spans) - 1 and spans[k][1] <= pos:
            k += 1
        label = spans[k][2]
        if label is None and first is not None:
            bare = tok.text.lower().strip(".,:;()[]\"“”")
            label = _BEFORE if bare in _JOIN_NEXT else _AFTER if bare in _JOIN_PREVIOUS else "note"
        labels.append(label)
    # glue: an opening bracket or quote, and the words that introduce a field ("in", "pp.",
    # "vol.", "doi:"), join the field after them, as AnyStyle labels them; other punctuation
    # and the words that close a field ("eds.", "권") the field before
    for i in range(len(labels) - 1, -1, -1):
        if labels[i] is _BEFORE or labels[i] is None and tokens[i].text[0] in _OPENERS:
            labels[i] = next((l for l in labels[i + 1:] if l and l is not _BEFORE and l is not _AFTER), None)
    for i in range(len(labels)):
        if labels[i] is None or labels[i] is _AFTER:
            labels[i] = labels[i - 1] if i else "note"
    return text, [t.text for t in tokens], labels


def labelled_corpus(data: Path) -> Iterator[tuple[dict, list[str]]]:
    """(parse_train row, token labels) for every row whose raw segmentation is found."""
    raw: dict[str, list[str]] = {}
    for path in sorted(glob.glob(str(data / "raw" / "anystyle" / "*.xml"))):
        for seq in anystyle_sequences(path):
            text, _, labels = label_tokens(seq)
            raw.setdefault(text, labels)
    for path in sorted(glob.glob(str(data / "raw" / "grobid-citation" / "corpus" / "*.xml"))):
        for seq in grobid_sequences(path):
            text, _, labels = label_tokens(seq)
            raw.setdefault(text, labels)
    with open(data / "parse_train.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            labels = raw.get(_ws(row["text"]))
            if labels is not None:
                yield row, labels


def train(data: Path, out: Path, limit: int | None = None, verbose: bool = False,
          dev: bool = False) -> dict[str, int]:
    """Train on every labelled reference that is not held out (nor, with `dev`, in the
    development slice); write the model to `out`."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm="lbfgs", verbose=verbose)
    trainer.set_params(PARAMS)
    counts = {"train": 0, "held_out": 0}
    for row, labels in labelled_corpus(data):
        text = _ws(row["text"])
        if held_out(row["text"]):
            counts["held_out"] += 1
            continue
        if dev and dev_slice(row["text"]):
            continue
        tokens = tokenize(text)
        trainer.append(features(tokens), labels)
        counts["train"] += 1
        if limit and counts["train"] >= limit:
            break
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".tmp")
    os.close(fd)
    try:
        trainer.train(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return counts


def default_data() -> Path:
    return Path(__file__).resolve().parents[3].parent / "shared" / "data"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m refmill.parsing.train", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=default_data(), help="the shared data folder")
    ap.add_argument("-o", "--output", type=Path, default=MODEL_PATH)
    ap.add_argument("--limit", type=int, default=None, help="train on the first N references only")
    ap.add_argument("--dev", action="store_true", help="also leave out the development slice (for tuning)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    if not (args.data / "parse_train.jsonl").is_file():
        print(f"Error: {args.data}/parse_train.jsonl not found; pass --data", file=sys.stderr)
        return 2
    counts = train(args.data, args.output, args.limit, args.verbose, args.dev)
    digest = hashlib.sha256(args.output.read_bytes()).hexdigest()
    print(f"trained on {counts['train']} references ({counts['held_out']} held out); "
          f"{args.output} sha256 {digest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
