"""The library file: load, lock, and write atomically with a backup.

The only module that touches the library file. A write goes to a temporary file in the
same directory, is fsynced, the old file is kept as `<name>.bak`, and the new one is
renamed over it: a crash leaves the old library or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from .errors import LibraryError
from .inputs import decode
from .model import Record, assign_keys

# bibtexparser, filelock and dedupe (rapidfuzz) are imported where they are used, so that
# importing this module stays cheap for commands that never parse the library.

DEFAULT_LIBRARY = "refs.bib"
LOCK_TIMEOUT = 30.0  # seconds to wait for another refmill process (REFMILL_LOCK_TIMEOUT)


def load(path: str | os.PathLike[str]) -> list[Record]:
    """Records of the library; a missing file is an empty library.

    A library that does not parse cleanly is refused rather than half-read, so that a
    later write cannot drop the entries that failed.
    """
    path = Path(path)
    if not path.exists():
        return []
    if path.is_dir():
        raise LibraryError(f"{path}: is a directory, not a library file")
    try:
        text = decode(path.read_bytes(), str(path))
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read library ({exc.strerror or exc})") from None
    from .formats import bibtex

    records, problems = bibtex.read(text, str(path))
    problems = [p for p in problems if p.skipped]  # notes (a repeated key) lose nothing
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise LibraryError(f"library {first}{more}; fix it (the .bak file holds the previous version) before refmill writes to it")
    return records


_KEY_RX = re.compile(r"^[ \t]*@[ \t]*(?!(?:comment|string|preamble)\b)[A-Za-z]+[ \t]*[{(][ \t]*([^,\s{}()]+)[ \t]*,", re.M | re.I)


def keys(path: str | os.PathLike[str]) -> list[str]:
    """The citation keys in the library, by a quick scan (for shell completion, where a
    full parse of a large library would make every TAB slow)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return _KEY_RX.findall(text)


def dumps(records: list[Record], ascii_only: bool = False) -> str:
    from .formats import bibtex

    return bibtex.write(records, ascii_only=ascii_only, with_custom=True)


def write_atomic(path: str | os.PathLike[str], text: str | Iterable[str], backup: bool = True) -> None:
    """Write `text` (or its pieces, one after another) to `path` via a temporary file and
    rename; keep the old file as .bak."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for piece in [text] if isinstance(text, str) else text:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        if backup and path.exists():
            bak_tmp = tmp + ".bak"
            try:
                os.link(path, bak_tmp)
            except OSError:  # no hard links here: copy instead
                shutil.copy2(path, bak_tmp)
            os.replace(bak_tmp, path.with_name(path.name + ".bak"))
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        with contextlib.suppress(OSError):
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    except BaseException as exc:  # a failed write, or an error while making the pieces
        for leftover in (tmp, tmp + ".bak"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)
        if isinstance(exc, OSError):
            raise LibraryError(f"{path}: cannot write ({exc.strerror or exc}); nothing was changed") from None
        raise


@contextlib.contextmanager
def locked(path: str | os.PathLike[str], timeout: float | None = None) -> Iterator[None]:
    """Hold `<library>.lock` while reading-modifying-writing, so racing processes queue."""
    import filelock

    if timeout is None:
        try:
            timeout = float(os.environ.get("REFMILL_LOCK_TIMEOUT") or LOCK_TIMEOUT)
        except ValueError:
            raise LibraryError("REFMILL_LOCK_TIMEOUT must be a number of seconds") from None
    lock_path = str(path) + ".lock"
    try:
        with filelock.FileLock(lock_path, timeout=timeout):
            yield
    except filelock.Timeout:
        raise LibraryError(
            f"{path}: another refmill process holds {lock_path} (waited {timeout:g} s); try again when it has finished"
        ) from None


def save(path: str | os.PathLike[str], records: list[Record], ascii_only: bool = False) -> None:
    write_atomic(path, dumps(records, ascii_only))


@dataclass
class Merge:
    """What adding records to a library did."""

    added: list[Record] = field(default_factory=list)
    duplicates: list[tuple[Record, Record]] = field(default_factory=list)  # (new, existing)


def add_records(library: list[Record], new: list[Record]) -> Merge:
    """Append the records of `new` that the library does not already hold; key them.

    "Already holds" is dedupe's own decision (`dedupe.Index`), so import and dedupe agree.
    """
    from .dedupe import Index

    held = Index(library)
    result = Merge()
    for rec in new:
        existing = held.find(rec)
        if existing is not None:
            result.duplicates.append((rec, existing))
            continue
        result.added.append(rec)
        held.add(rec)
    renamed = assign_keys(result.added, {r.id for r in library})
    # a reference whose citing article was already in the library points at that entry
    for new_rec, old in result.duplicates:
        renamed.setdefault(new_rec.id, old.id)
    for rec in result.added:
        cited_by = rec.custom.get("cited-by")
        if isinstance(cited_by, str) and cited_by in renamed:
            rec.custom["cited-by"] = renamed[cited_by]
    library.extend(result.added)
    return result

