"""Shared fixtures: isolated config/cache dirs, the shared data folder, a CLI runner."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("REFMILL_SHARED", ROOT.parent / "shared"))
DATA = ROOT / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's config, cache or library."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("REFMILL_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("REFMILL_CACHE_DIR", str(home / "cache"))
    for var in ("REFMILL_LIBRARY", "REFMILL_MAILTO", "REFMILL_CROSSREF_URL", "REFMILL_DEBUG", "NO_COLOR",
                "REFMILL_CITEKEY_PATTERN", "REFMILL_FORMAT", "REFMILL_ASCII", "FORCE_COLOR", "VISUAL", "EDITOR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def shared() -> Path:
    """The shared data folder (../shared); tests that need it skip where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder {SHARED} is absent (CI always has it)")
    return SHARED


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def invoke(runner):
    """Run the CLI; stdout and stderr stay separate (click >= 8.2)."""
    from refmill.cli import cli

    def run(args, input=None, **kw):
        return runner.invoke(cli, [str(a) for a in args], input=input, **kw)

    return run
