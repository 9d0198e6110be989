"""The library file: refs.bib is built from data/, writes are atomic with a backup."""
from __future__ import annotations

import os
import shutil

import pytest

from conftest import ROOT
from refmill import library
from refmill.errors import LibraryError
from refmill.model import Name, Record


def test_refs_bib_is_rebuilt_byte_for_byte_from_data(invoke, tmp_path, monkeypatch):
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    result = invoke(["import", "data/", "--library", "refs.bib"])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "refs.bib").read_bytes() == (ROOT / "refs.bib").read_bytes()
    again = invoke(["import", "data/", "--library", "refs.bib"])
    assert again.exit_code == 0 and "0 added" in again.stderr
    assert (tmp_path / "refs.bib").read_bytes() == (ROOT / "refs.bib").read_bytes()


def test_refs_bib_records_relative_paths():
    text = (ROOT / "refs.bib").read_text()
    assert "refmill-source = {data/korkmaz-2023-transfus-apher-sci.txt}" in text
    assert str(ROOT) not in text


def test_library_round_trips_custom_data(tmp_path):
    rec = Record(id="k", fields={"title": "T"}, author=[Name(family="A")],
                 custom={"raw": "• A.\nT. 50% {x}", "line": 3, "confidence": 0.95, "cited-by": "p",
                         "evidence": {"score": 0.9, "agreed": ["title"]}})
    path = tmp_path / "lib.bib"
    library.save(path, [rec])
    assert library.load(path) == [rec]


def test_write_keeps_a_backup_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "lib.bib"
    library.save(path, [Record(id="a", fields={"title": "first"})])
    first = path.read_bytes()
    library.save(path, [Record(id="b", fields={"title": "second"})])
    assert (tmp_path / "lib.bib.bak").read_bytes() == first
    assert sorted(os.listdir(tmp_path)) == ["lib.bib", "lib.bib.bak"]


def test_failed_write_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "lib.bib"
    library.save(path, [Record(id="a", fields={"title": "first"})])
    before = path.read_bytes()

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(LibraryError, match=r"cannot write \(No space left on device\); nothing was changed"):
        library.save(path, [Record(id="b", fields={"title": "second"})])
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["lib.bib"]


def test_a_write_in_pieces_that_fails_half_way_changes_nothing(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")

    def pieces():
        yield "new 1\n"
        raise ValueError("the writer failed")

    with pytest.raises(ValueError, match="the writer failed"):
        library.write_atomic(path, pieces())
    assert path.read_text() == "old\n" and sorted(os.listdir(tmp_path)) == ["out.jsonl"]
    library.write_atomic(path, iter(["new 1\n", "new 2\n"]))
    assert path.read_text() == "new 1\nnew 2\n" and (tmp_path / "out.jsonl.bak").read_text() == "old\n"


def test_lock_times_out_with_a_clear_message(tmp_path):
    path = tmp_path / "lib.bib"
    with library.locked(path):
        import filelock

        other = filelock.FileLock(str(path) + ".lock", timeout=0)
        with pytest.raises(filelock.Timeout):
            other.acquire()
    # and refmill's own wrapper says what to do
    import threading

    held = threading.Event()
    release = threading.Event()

    def hold():
        with library.locked(path):
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    try:
        with pytest.raises(LibraryError, match="another refmill process holds"):
            with library.locked(path, timeout=0.1):
                pass
    finally:
        release.set()
        t.join()
