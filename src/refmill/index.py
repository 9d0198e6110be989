"""The search index: one SQLite file per library, under refmill's cache dir.

`<cache dir>/index/<library file name>-<hash of its absolute path>.sqlite` holds one row per
entry: the search documents of `search.document`, sort keys and the record as CSL-JSON, so a
query on a fresh index never parses BibTeX. It lives in the cache, not beside the library, so
that a library folder under git or a sync service stays clean and a read-only one still works.

An index is used only while it provably describes the library file: its size, mtime, ctime
and inode are as recorded, and the file was not written in the moments before it was indexed
("racily clean", as git calls it; then its SHA-256 is compared). A changed file whose content
hash is unchanged keeps its index. Anything else rebuilds it, into a temporary file renamed
over the old one; where the cache cannot be written the index lives in memory for one search.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .config import cache_dir
from .errors import LibraryError
from .model import Record
from .search import TEXT_COLUMNS, WORDS_RX, document, token_prefix

VERSION = "1"  # bump when documents change shape: older index files are then rebuilt
RACY_NS = 2_000_000_000  # a file written this close to its indexing is checked by content
_DOC_COLUMNS = (*TEXT_COLUMNS, "other", "year", "sort_author", "sort_title", "sort_key")


def index_path(library: str | os.PathLike[str]) -> Path:
    resolved = Path(library).resolve()
    digest = hashlib.sha256(str(resolved).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return cache_dir() / "index" / f"{resolved.name}-{digest}.sqlite"


def _stat(path: Path) -> dict[str, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LibraryError(f"{path}: no such library; create it with `refmill import`") from None
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read library ({exc.strerror or exc})") from None
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise LibraryError(f"{path}: cannot read library ({exc.strerror or exc})") from None
    return digest.hexdigest()


@dataclass
class Index:
    """An open, fresh index: documents for the predicate, words for narrowing, records for output."""

    conn: sqlite3.Connection
    fields: list[str] = field(default_factory=list)  # field names found in the records
    _vocabs: dict[str, str] = field(default_factory=dict)
    _lists: dict[str, list[str]] = field(default_factory=dict)

    def docs(self, where: str | None, params: list[Any], columns: list[str]) -> Iterator[dict[str, Any]]:
        """Documents (only `columns`, plus rowid) of the rows `where` selects, in library order."""
        names = ["rowid", *columns]
        sql = f"SELECT {', '.join(names)} FROM docs"
        if where:
            sql += f" WHERE {where}"
        for row in self.conn.execute(sql + " ORDER BY rowid", params):
            yield dict(zip(names, row))

    def csl(self, rowids: list[int]) -> list[str]:
        """The records of these rows as CSL-JSON text (one line each), in this order."""
        found: dict[int, str] = {}
        for start in range(0, len(rowids), 500):
            chunk = rowids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.conn.execute(f"SELECT rowid, csl FROM records WHERE rowid IN ({marks})", chunk))
        return [found[r] for r in rowids]

    def records(self, rowids: list[int]) -> list[Record]:
        """The records of these rows, in this order."""
        return [Record.from_csl(json.loads(text)) for text in self.csl(rowids)]

    def _vocab(self, name: str) -> str:
        """The words of one vocabulary, sorted, one a line, with "\\n" before and after."""
        if name not in self._vocabs:
            row = self.conn.execute("SELECT words FROM vocab WHERE name = ?", (name,)).fetchone()
            self._vocabs[name] = row[0] if row else "\n"
        return self._vocabs[name]

    def words(self, vocab: str, part: str, limit: int) -> list[str] | None:
        """Words holding `part` ("\\n" at an end: starting or ending with it); None: over `limit`."""
        text, out, pos = self._vocab(vocab), [], 0
        while (i := text.find(part, pos)) >= 0:
            start = text.rfind("\n", 0, i + (part[0] == "\n")) + 1
            end = text.find("\n", i + len(part) - (part[-1] == "\n"))
            out.append(text[start:end])
            if len(out) > limit:
                return None
            pos = end
        return out

    def similar(self, vocab: str, word: str, typos: int) -> list[str]:
        """Words within `typos` edits of `word` (optimal string alignment, so a swap is one)."""
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        if vocab not in self._lists:
            self._lists[vocab] = self._vocab(vocab).strip("\n").split("\n")
        found = extract(word, self._lists[vocab], scorer=OSA.distance, score_cutoff=typos, limit=None)
        return [w for w, _, _ in found]


def open_index(library: str | os.PathLike[str]) -> Index:
    """A fresh index of `library`, built or rebuilt first when needed."""
    path = Path(library)
    if path.is_dir():
        raise LibraryError(f"{path}: is a directory, not a library file")
    target = index_path(path)
    now = _stat(path)
    found = _open_existing(target)
    if found is not None:
        conn, meta = found
        if _is_fresh(meta, now, path, target):
            return Index(conn, json.loads(meta["fields"]))
        conn.close()
    return _build(path, target)


def _open_existing(target: Path) -> tuple[sqlite3.Connection, dict[str, str]] | None:
    """The index file and its metadata, if it is one of this version."""
    if not target.exists():
        return None
    conn = None
    try:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        meta = dict(conn.execute("SELECT name, value FROM meta"))
        if meta.get("version") == VERSION and {"stat", "sha256", "checked_ns", "fields"} <= meta.keys():
            return conn, meta
    except sqlite3.Error:  # corrupt, truncated, or not ours: rebuild it
        pass
    if conn is not None:
        conn.close()
    return None


def _is_fresh(meta: dict[str, str], now: dict[str, int], path: Path, target: Path) -> bool:
    recorded = json.loads(meta["stat"])
    checked = int(meta["checked_ns"])
    if recorded == now and checked - now["mtime_ns"] > RACY_NS:
        return True
    if recorded["size"] != now["size"] or _sha256(path) != meta["sha256"]:
        return False
    # same content: remember the new stat, so the next search needs no hashing
    stamp = time.time_ns()
    if stamp - now["mtime_ns"] > RACY_NS and _stat(path) == now:
        with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(target)) as rw:
            with rw:
                rw.execute("UPDATE meta SET value = ? WHERE name = 'stat'", (json.dumps(now),))
                rw.execute("UPDATE meta SET value = ? WHERE name = 'checked_ns'", (str(stamp),))
    return True


def _build(path: Path, target: Path) -> Index:
    for _ in range(3):
        before = _stat(path)
        stamp = time.time_ns()
        digest = _sha256(path)
        tmp = _temp_file(target)
        conn = sqlite3.connect(tmp or ":memory:")
        try:
            fields = _fill(conn, path)
            meta = {"version": VERSION, "library": str(path.resolve()), "stat": json.dumps(before),
                    "sha256": digest, "checked_ns": str(stamp), "fields": json.dumps(sorted(fields))}
            conn.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            conn.commit()
            if _stat(path) == before:
                if tmp is None:
                    return Index(conn, sorted(fields))
                conn.close()
                os.replace(tmp, target)
                return Index(sqlite3.connect(f"file:{target}?mode=ro", uri=True), sorted(fields))
        except BaseException:
            _discard(conn, tmp)
            raise
        _discard(conn, tmp)  # the library changed while it was read: again
    raise LibraryError(f"{path}: the library kept changing while it was being indexed; try again")


def _discard(conn: sqlite3.Connection, tmp: str | None) -> None:
    conn.close()
    if tmp:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _temp_file(target: Path) -> str | None:
    """A temporary file beside the index, or None where the cache cannot be written."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        return tmp
    except OSError:
        return None


# --- reading the library into rows ------------------------------------------------------

PARALLEL_BYTES = 4 << 20  # a library this large is read by two processes where it can be
_STRING_RX = re.compile(r"@\s*string\s*[{(]", re.IGNORECASE)
_ENTRY_START_RX = re.compile(r"\}[ \t]*\r?\n(?:[ \t]*\r?\n)*(?=@[A-Za-z]+\s*[{(])")
_FTS_COLUMNS = (*TEXT_COLUMNS, "other", "year")


@dataclass
class Rows:
    """What the index stores of some records, in library order."""

    docs: list[tuple[Any, ...]] = field(default_factory=list)  # _DOC_COLUMNS
    words: list[tuple[str, ...]] = field(default_factory=list)  # _FTS_COLUMNS
    csl: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)  # names of "other" fields seen


def _rows(records: list[Record]) -> Rows:
    rows = Rows()
    for rec in records:
        doc = document(rec)
        other = doc["other"]
        rows.fields.update(other)
        tokens = " ".join(token_prefix(name) + w for name, value in other.items() for w in WORDS_RX.findall(value))
        author = " ".join(dict.fromkeys(WORDS_RX.findall(doc["author"])))  # each order has the same words
        rows.words.append((author, *(doc[c] for c in TEXT_COLUMNS[1:]), tokens, str(doc["year"] or "")))
        doc["other"] = json.dumps(other, ensure_ascii=False)
        rows.docs.append(tuple(doc[c] for c in _DOC_COLUMNS))
        rows.csl.append(json.dumps(rec.to_csl(), ensure_ascii=False))
        rows.keys.append(rec.id)
    return rows


def _fill(conn: sqlite3.Connection, path: Path) -> set[str]:
    """Index every record of the library, exactly as `library.load` reads them, into `conn`.

    Returns the names of the fields kept in the "other" column.
    """
    from . import library

    _create(conn)
    if path.stat().st_size >= PARALLEL_BYTES:
        fields = _fill_in_two(conn, path)
        if fields is not None:
            _finish(conn)
            return fields
        _clear(conn)
    rows = _rows(library.load(path))
    _insert(conn, rows, 0)
    _finish(conn)
    return rows.fields


def _fill_in_two(conn: sqlite3.Connection, path: Path) -> set[str] | None:
    """Read the file in two processes (bibtexparser takes about 0.2 ms an entry): this one
    reads the first 45% and stores it while the other reads the rest. None where that could
    differ from reading the file whole: @string macros, a problem in either part (the whole
    read then reports it), a key in both parts, or no fork on this system."""
    import multiprocessing

    from .inputs import decode

    if "fork" not in multiprocessing.get_all_start_methods() or (os.cpu_count() or 1) < 2:
        return None
    try:
        text = decode(path.read_bytes(), str(path))
    except (OSError, LibraryError, ValueError):
        return None
    cut = _ENTRY_START_RX.search(text, len(text) * 45 // 100)
    if cut is None or _STRING_RX.search(text):
        return None
    with multiprocessing.get_context("fork").Pool(1) as pool:
        later = pool.apply_async(_read_text, (text[cut.end():], str(path)))
        first = _read_text(text[: cut.end()], str(path))
        if first is None:
            return None
        _insert(conn, first, 0)
        second = later.get()
    if second is None or set(first.keys) & set(second.keys):
        return None
    _insert(conn, second, len(first.keys))
    return first.fields | second.fields


def _read_text(text: str, source: str) -> Rows | None:
    from .formats import bibtex

    records, problems = bibtex.read(text, source)
    return None if problems else _rows(records)


def _create(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    text = ", ".join(f"{c} TEXT NOT NULL" for c in _DOC_COLUMNS if c != "year")
    conn.execute(f"CREATE TABLE docs (rowid INTEGER PRIMARY KEY, year INTEGER, {text})")
    conn.execute("CREATE TABLE records (rowid INTEGER PRIMARY KEY, csl TEXT NOT NULL)")
    conn.execute("CREATE TABLE vocab (name TEXT PRIMARY KEY, words TEXT NOT NULL)")
    # which rows hold which words in which column, nothing more: no text, no positions
    # (queries are single words and prefixes), no sizes; "_" joins "volume_12"
    conn.execute(f"CREATE VIRTUAL TABLE fts USING fts5({', '.join(_FTS_COLUMNS)}, content='', columnsize=0, "
                 "detail=column, tokenize=\"unicode61 tokenchars '_'\")")


def _insert(conn: sqlite3.Connection, rows: Rows, first: int) -> None:
    """Store rows, numbered from `first`."""

    def insert(table: str, columns: tuple[str, ...], values: list[Any]) -> None:
        marks = ", ".join("?" * (len(columns) + 1))
        conn.executemany(f"INSERT INTO {table} (rowid, {', '.join(columns)}) VALUES ({marks})",
                         ((rowid, *row) for rowid, row in enumerate(values, first)))

    insert("docs", _DOC_COLUMNS, rows.docs)
    insert("records", ("csl",), [(c,) for c in rows.csl])
    insert("fts", _FTS_COLUMNS, rows.words)


def _clear(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM docs")
    conn.execute("DELETE FROM records")
    conn.execute("INSERT INTO fts (fts) VALUES ('delete-all')")


def _finish(conn: sqlite3.Connection) -> None:
    """Each column's words, from FTS5's own vocabulary; other fields' words by field prefix."""
    conn.execute("CREATE VIRTUAL TABLE temp.terms USING fts5vocab(main, fts, 'col')")
    vocabs: dict[str, list[str]] = {}
    for term, column in conn.execute("SELECT term, col FROM temp.terms ORDER BY col, term"):
        if column == "other":
            prefix, _, term = term.rpartition("_")
            column = f"other:{prefix}_"
        vocabs.setdefault(column, []).append(term)
    conn.execute("DROP TABLE temp.terms")
    conn.executemany("INSERT INTO vocab VALUES (?, ?)", ((name, "\n" + "\n".join(words) + "\n") for name, words in vocabs.items()))
