"""Settings: option > environment > config file > default.

The config file is TOML, `config.toml` in `REFMILL_CONFIG_DIR` or else platformdirs' user
config dir (which honours XDG_CONFIG_HOME). Reading and writing it is the only I/O here.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

from .errors import RefmillError

# platformdirs and the TOML parser are imported where needed: start-up time counts for
# `refmill search`, which may need neither.

# name -> (environment variable, default)
SETTINGS: dict[str, tuple[str | None, Any]] = {
    "library": ("REFMILL_LIBRARY", "refs.bib"),
    "mailto": ("REFMILL_MAILTO", None),
    "crossref_url": ("REFMILL_CROSSREF_URL", "https://api.crossref.org"),
    "citekey_pattern": ("REFMILL_CITEKEY_PATTERN", "[auth:lower][year][veryshorttitle:lower]"),
    "format": ("REFMILL_FORMAT", None),
    "ascii": ("REFMILL_ASCII", False),
    # Crossref pacing and patience; unset means the pool's own limits (with or without mailto)
    "crossref_rate": (None, None),
    "crossref_list_rate": (None, None),
    "crossref_concurrency": (None, None),
    "crossref_timeout": (None, 20.0),
    "crossref_retries": (None, 4),
}

# name -> what it is for (`refmill config get` and the README)
DESCRIPTIONS = {
    "library": "the library file commands read and write",
    "mailto": "your e-mail address, sent to Crossref for its polite pool",
    "crossref_url": "the Crossref API to ask",
    "citekey_pattern": "how new citation keys are made, e.g. [auth:lower][year][veryshorttitle:lower]",
    "format": "export's format when neither --format nor an -o extension says",
    "ascii": "write BibTeX with LaTeX accents (true) or UTF-8 (false)",
    "crossref_rate": "Crossref requests per second for single works (default 10 with mailto, else 5)",
    "crossref_list_rate": "Crossref searches per second (default 3 with mailto, else 1)",
    "crossref_concurrency": "Crossref requests in flight (default 3 with mailto, else 1)",
    "crossref_timeout": "seconds to wait for a Crossref answer",
    "crossref_retries": "how often a failed Crossref request is retried",
}


class ConfigError(RefmillError):
    """The config file cannot be read."""


def config_dir() -> Path:
    if os.environ.get("REFMILL_CONFIG_DIR"):
        return Path(os.environ["REFMILL_CONFIG_DIR"])
    import platformdirs

    return Path(platformdirs.user_config_dir("refmill"))


def config_path() -> Path:
    return config_dir() / "config.toml"


def cache_dir() -> Path:
    if os.environ.get("REFMILL_CACHE_DIR"):
        return Path(os.environ["REFMILL_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("refmill"))


def load(path: Path | None = None) -> dict[str, Any]:
    """The config file as a dict; {} when there is none."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError("expected true or false")


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return value.strip()


def _path(value: Any) -> str:
    return os.path.expanduser(_text(value))


def _mailto(value: Any) -> str:
    text = _text(value)
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise ValueError("expected an e-mail address such as you@example.org")
    return text


def _url(value: Any) -> str:
    text = _text(value)
    if not re.match(r"https?://[^\s/]+", text):
        raise ValueError("expected an http:// or https:// URL")
    return text.rstrip("/")


def _pattern(value: Any) -> str:
    from .citekeys import compile_pattern

    text = _text(value)
    try:
        compile_pattern(text)
    except RefmillError as exc:
        raise ValueError(str(exc).replace(f"citekey pattern {text!r}: ", "")) from None
    return text


def _format(value: Any) -> str:
    from .formats import WRITERS

    text = _text(value)
    known = [*WRITERS, "table"]
    if text not in known:
        raise ValueError(f"expected one of {', '.join(known)}")
    return text


def _positive(kind: type) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        try:
            number = kind(str(value).strip()) if not isinstance(value, bool) else -1
        except ValueError:
            number = -1
        if number <= 0:
            raise ValueError(f"expected a positive {'whole ' if kind is int else ''}number")
        return number

    return check


def _count(value: Any) -> int:
    try:
        number = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        number = -1
    if number < 0:
        raise ValueError("expected a whole number, 0 or more")
    return number


# name -> check that turns a value from the environment or the file into the setting
CHECKS: dict[str, Callable[[Any], Any]] = {
    "library": _path,
    "mailto": _mailto,
    "crossref_url": _url,
    "citekey_pattern": _pattern,
    "format": _format,
    "ascii": _boolean,
    "crossref_rate": _positive(float),
    "crossref_list_rate": _positive(float),
    "crossref_concurrency": _positive(int),
    "crossref_timeout": _positive(float),
    "crossref_retries": _count,
}


def resolve(name: str, option: Any = None, config: dict[str, Any] | None = None) -> tuple[Any, str]:
    """(value, where it came from) by precedence: option > environment > config file > default."""
    if option not in (None, ""):
        return option, "option"
    env, default = SETTINGS.get(name, (None, None))
    check = CHECKS.get(name, lambda value: value)
    if env and os.environ.get(env):
        try:
            return check(os.environ[env]), f"environment ({env})"
        except ValueError as exc:
            raise ConfigError(f"{env}={os.environ[env]!r}: {exc}") from None
    values = load() if config is None else config
    if values.get(name) not in (None, ""):
        try:
            return check(values[name]), f"config file ({config_path()})"
        except ValueError as exc:
            raise ConfigError(
                f"{config_path()}: {name} = {values[name]!r}: {exc}; change it with `refmill config set {name} VALUE`"
            ) from None
    return default, "default"


def setting(name: str, option: Any = None, config: dict[str, Any] | None = None) -> Any:
    """The value of setting `name` by precedence: option > environment > config > default."""
    return resolve(name, option, config)[0]


def known(name: str) -> None:
    if name not in SETTINGS:
        raise ConfigError(f"unknown setting {name!r}; settings are: {', '.join(SETTINGS)}")


def write(name: str, value: Any) -> bool:
    """Set (or with None, remove) `name` in the config file, atomically.

    Returns True when the old file had comments, which a rewrite cannot keep (the old
    file stays as config.toml.bak).
    """
    import tomli_w

    from .library import write_atomic

    known(name)
    path = config_path()
    values = load(path)
    if value is None:
        values.pop(name, None)
    else:
        try:
            values[name] = CHECKS.get(name, _text)(value)
        except ValueError as exc:
            raise ConfigError(f"{name} = {value!r}: {exc}") from None
    had_comments = path.exists() and any(
        line.lstrip().startswith("#") for line in path.read_text(encoding="utf-8").splitlines()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, tomli_w.dumps(values))
    return had_comments
