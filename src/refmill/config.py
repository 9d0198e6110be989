"""Settings: option > environment > config file > default.

The config file is TOML, `config.toml` in `REFMILL_CONFIG_DIR` or else platformdirs' user
config dir (which honours XDG_CONFIG_HOME). Reading it is the only I/O here.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from .errors import RefmillError

# platformdirs and the TOML parser are imported where needed: start-up time counts for
# `refmill search`, which may need neither.

# name -> (environment variable, default)
SETTINGS: dict[str, tuple[str | None, Any]] = {
    "library": ("REFMILL_LIBRARY", "refs.bib"),
    "mailto": ("REFMILL_MAILTO", None),
    "crossref_url": ("REFMILL_CROSSREF_URL", "https://api.crossref.org"),
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
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def setting(name: str, option: Any = None, config: dict[str, Any] | None = None) -> Any:
    """The value of setting `name` by precedence: option > environment > config > default."""
    if option not in (None, ""):
        return option
    env, default = SETTINGS.get(name, (None, None))
    if env and os.environ.get(env):
        return os.environ[env]
    values = load() if config is None else config
    if values.get(name) not in (None, ""):
        return values[name]
    return default
