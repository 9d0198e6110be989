"""Settings: option > environment > config file > default, the config commands, and the
settings wired into the existing commands."""
from __future__ import annotations

import json
import os
import shutil
import sys

import pytest

from refmill import config
from refmill.config import ConfigError

from conftest import DATA, ROOT

BLOOD = DATA / "rampotas-roddie-2025-blood.txt"


def write_config(text: str):
    path = config.config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_config_file_lives_in_refmill_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("REFMILL_CONFIG_DIR", str(tmp_path / "c"))
    assert config.config_path() == tmp_path / "c" / "config.toml"


def test_xdg_config_home_is_honoured_without_refmill_config_dir(tmp_path, monkeypatch):
    if sys.platform != "linux":
        pytest.skip("XDG_CONFIG_HOME applies on Linux")
    monkeypatch.delenv("REFMILL_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config.config_path() == tmp_path / "xdg" / "refmill" / "config.toml"


def test_precedence_option_environment_file_default(monkeypatch):
    assert config.resolve("library") == ("refs.bib", "default")
    path = write_config('library = "from-file.bib"\n')
    assert config.resolve("library") == ("from-file.bib", f"config file ({path})")
    monkeypatch.setenv("REFMILL_LIBRARY", "from-env.bib")
    assert config.resolve("library") == ("from-env.bib", "environment (REFMILL_LIBRARY)")
    assert config.resolve("library", "from-option.bib") == ("from-option.bib", "option")


def test_values_are_checked_and_typed(monkeypatch):
    write_config('ascii = "yes"\nlibrary = "~/papers/refs.bib"\n')
    assert config.setting("ascii") is True
    assert config.setting("library") == os.path.expanduser("~/papers/refs.bib")
    monkeypatch.setenv("REFMILL_ASCII", "off")
    assert config.setting("ascii") is False
    monkeypatch.setenv("REFMILL_ASCII", "maybe")
    with pytest.raises(ConfigError, match=r"REFMILL_ASCII='maybe': expected true or false"):
        config.setting("ascii")


def test_a_bad_value_in_the_file_names_the_file_and_the_fix():
    path = write_config('format = "docx"\n')
    with pytest.raises(ConfigError) as err:
        config.setting("format")
    assert str(err.value).startswith(f"{path}: format = 'docx': expected one of bibtex, biblatex, ris")
    assert "refmill config set format VALUE" in str(err.value)


def test_write_keeps_other_settings_and_reports_lost_comments():
    path = write_config('# my settings\nmailto = "me@example.org"\n')
    assert config.write("ascii", "true") is True  # the comment could not be kept
    assert path.read_text() == 'mailto = "me@example.org"\nascii = true\n'
    assert (path.parent / "config.toml.bak").read_text().startswith("# my settings")
    assert config.write("mailto", None) is False
    assert path.read_text() == "ascii = true\n"


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("mailto", "not-an-address", "expected an e-mail address"),
        ("crossref_url", "ftp://x", "expected an http:// or https:// URL"),
        ("citekey_pattern", "[nope]", "unknown field [nope]"),
        ("ascii", "perhaps", "expected true or false"),
        ("colour", "red", "unknown setting 'colour'"),
    ],
)
def test_write_refuses_bad_values(name, value, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        config.write(name, value)
    assert not config.config_path().exists()


# --- the commands -----------------------------------------------------------------------------


def test_config_path(invoke):
    result = invoke(["config", "path"])
    assert result.exit_code == 0 and result.stdout == f"{config.config_path()}\n" and result.stderr == ""


def test_config_set_then_get(invoke):
    result = invoke(["config", "set", "mailto", "me@example.org"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == f"{config.config_path()}: mailto set\n"
    got = invoke(["config", "get", "mailto"])
    assert (got.exit_code, got.stdout, got.stderr) == (0, "me@example.org\n", "")
    assert invoke(["config", "set", "ascii", "on"]).exit_code == 0
    assert invoke(["config", "get", "ascii"]).stdout == "true\n"


def test_config_get_lists_every_setting_with_its_source(invoke, monkeypatch):
    write_config('citekey_pattern = "[auth][year]"\n')
    monkeypatch.setenv("REFMILL_LIBRARY", "env.bib")
    result = invoke(["config", "get"])
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith('library = "env.bib"  # environment (REFMILL_LIBRARY): ')
    assert "# mailto is not set" in lines
    assert any(l.startswith(f'citekey_pattern = "[auth][year]"  # config file ({config.config_path()})') for l in lines)
    assert any(l.startswith("ascii = false  # default") for l in lines)


def test_config_get_of_an_unset_setting_exits_1(invoke):
    result = invoke(["config", "get", "mailto"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "mailto is not set\n")


def test_config_unset(invoke):
    invoke(["config", "set", "format", "ris"])
    result = invoke(["config", "unset", "format"])
    assert result.exit_code == 0 and result.stderr.endswith("format unset\n")
    assert invoke(["config", "get", "format"]).exit_code == 1


def test_config_set_refuses_unknown_names_and_bad_values(invoke):
    unknown = invoke(["config", "set", "colour", "red"])
    assert unknown.exit_code == 2 and "'colour' is not one of" in unknown.stderr and unknown.stdout == ""
    bad = invoke(["config", "set", "format", "docx"])
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: format = 'docx': expected one of")
    assert not config.config_path().exists()


def test_config_set_warns_when_the_environment_overrides_it(invoke, monkeypatch):
    monkeypatch.setenv("REFMILL_FORMAT", "ris")
    result = invoke(["config", "set", "format", "bibtex"])
    assert result.exit_code == 0 and "REFMILL_FORMAT is set and overrides the config file" in result.stderr


def test_a_broken_config_file_is_one_line_exit_2(invoke, tmp_path):
    path = write_config("library = \n")
    result = invoke(["export", "--format", "keys"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"Error: {path}: not valid TOML") and "Traceback" not in result.stderr


# --- settings wired into the existing commands ------------------------------------------------


@pytest.fixture
def lib(tmp_path):
    path = tmp_path / "refs.bib"
    shutil.copy(ROOT / "refs.bib", path)
    return path


def test_default_library_from_the_config_file_then_environment_then_option(invoke, lib, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path / "..")  # no refs.bib here
    other = tmp_path / "other.bib"
    other.write_text("@article{only, title = {Only one}, year = {2001}}\n")
    invoke(["config", "set", "library", str(lib)])
    assert len(invoke(["export", "--format", "keys"]).stdout.split()) == 35
    monkeypatch.setenv("REFMILL_LIBRARY", str(other))
    assert invoke(["export", "--format", "keys"]).stdout == "only\n"
    assert len(invoke(["export", "--format", "keys", "--library", lib]).stdout.split()) == 35


def test_ascii_bibtex_from_the_config_file_and_unicode_overrides_it(invoke, tmp_path):
    lib, key = tmp_path / "lib.bib", "gokbuget2012outcome"
    lib.write_text("@article{gokbuget2012outcome, author = {Gökbuget, Nicola}, title = {Outcome}, year = {2012}}\n")
    assert "Gökbuget" in invoke(["show", key, "--library", lib, "--format", "bibtex"]).stdout
    invoke(["config", "set", "ascii", "true"])
    ascii_out = invoke(["show", key, "--library", lib, "--format", "bibtex"]).stdout
    assert "G{\\\"o}kbuget" in ascii_out and ascii_out.isascii()
    assert "Gökbuget" in invoke(["show", key, "--library", lib, "--format", "bibtex", "--unicode"]).stdout


def test_default_export_format_from_config_but_option_and_extension_win(invoke, lib, tmp_path):
    invoke(["config", "set", "format", "ris"])
    assert invoke(["export", "--library", lib]).stdout.startswith("TY  - JOUR")
    assert invoke(["export", "--library", lib, "--format", "keys"]).stdout.startswith("korkmaz2023clinical\n")
    out = tmp_path / "lib.json"
    assert invoke(["export", "--library", lib, "-o", out]).exit_code == 0
    assert len(json.loads(out.read_text())) == 35
    parsed = invoke(["parse", BLOOD])  # the export default is not parse's
    assert parsed.stdout.startswith("{")


def test_citekey_pattern_from_config_keys_parsed_and_imported_references(invoke, tmp_path):
    invoke(["config", "set", "citekey_pattern", "[auth][year]"])
    assert invoke(["parse", BLOOD, "--format", "keys"]).stdout == "Rampotas2025\n"
    lib = tmp_path / "lib.bib"
    assert invoke(["import", DATA, "--library", lib]).exit_code == 0
    records = [json.loads(l) for l in invoke(["export", "--library", lib, "--format", "jsonl"]).stdout.splitlines()]
    assert records[0]["id"] == "Korkmaz2023"
    assert sum(r.get("custom", {}).get("cited-by") == "Korkmaz2023" for r in records) == 33
