"""Reading input files: bytes -> text, with a clear error for anything that is not text.

`-` is stdin, and stdin is read only when `-` is given. Directories expand to the files
in them (sorted, hidden files skipped), so `refmill import data/` reads every page there.
"""
from __future__ import annotations

import codecs
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import InputError

MAX_INPUT_BYTES = 1 << 30  # 1 GiB: larger input is refused before it is read

_MAGIC = {
    b"%PDF-": "a PDF file; copy its text (or export its references) first",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PK\x03\x04": "a ZIP archive (or a Word/ODF document); save it as plain text first",
    b"\xd0\xcf\x11\xe0": "an old Microsoft Office document; save it as plain text first",
    b"\x1f\x8b": "a gzip archive",
}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


@dataclass
class Input:
    """One input: its name as given on the command line (or "-") and its text."""

    name: str
    text: str


def expand(paths: list[str]) -> list[str]:
    """Directories -> the regular files inside them, sorted; other paths unchanged."""
    out: list[str] = []
    for p in paths:
        if p != "-" and os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in files if not f.startswith(".")]
            if not found:
                raise InputError(f"{p}: directory holds no files to read")
            out += sorted(found)
        else:
            out.append(p)
    return out


def decode(data: bytes, name: str, encoding: str | None = None) -> str:
    """Bytes -> str: a BOM decides, else `encoding`, else UTF-8; binary data is refused."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(f"{name}: broken {codec} text at byte {exc.start}") from None
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"{name}: not a text file ({what})")
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(f"{name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise InputError(f"{name}:{line}: not {encoding} (byte {exc.start})") from None
    if b"\x00" in data[:65536]:
        raise InputError(f"{name}: not a text file (it contains NUL bytes); if it is UTF-16 without a BOM, pass --encoding utf-16-le")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{name}:{line}: not UTF-8 (byte 0x{data[exc.start]:02x}); pass --encoding with the "
            "file's encoding, for example --encoding latin-1 or --encoding cp1252"
        ) from None


def read_input(name: str, encoding: str | None = None, stdin: BinaryIO | None = None) -> Input:
    """Read one input by name ("-" is stdin) and decode it."""
    if name == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = stream.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"-: standard input is larger than the {MAX_INPUT_BYTES >> 20} MiB limit")
        return Input("-", decode(data, "-", encoding))
    path = Path(name)
    if path.is_dir():
        raise InputError(f"{name}: is a directory")
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InputError(f"{name}: {size >> 20} MiB is larger than the {MAX_INPUT_BYTES >> 20} MiB input limit")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read ({exc.strerror or exc})") from None
    return Input(name, decode(data, name, encoding))
