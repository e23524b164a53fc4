"""User configuration: a TOML file plus environment variables.

Secrets (API keys) come from here and nowhere else; they are never written to
Scrapy settings, because Scrapy logs its overridden settings.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir, user_data_dir

APP = "clientvet"


class ConfigError(ValueError):
    pass


def config_path() -> Path:
    return Path(os.environ.get("CLIENTVET_CONFIG") or Path(user_config_dir(APP)) / "config.toml")


def default_db_path() -> Path:
    return Path(os.environ.get("CLIENTVET_DB") or Path(user_data_dir(APP)) / "clientvet.sqlite")


@lru_cache(maxsize=1)
def load_config() -> dict[str, Any]:
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read config {path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:  # RecursionError: arrays nested too deep
        raise ConfigError(f"cannot read config {path}: not valid TOML: {exc}") from None


def setting(dotted: str, default: Any = None) -> Any:
    """A value from the config file by dotted path, e.g. 'companies_house.api_key'."""
    node: Any = load_config()
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def secret(env: str, dotted: str) -> str | None:
    """An API key: the environment wins over the config file; blank means absent."""
    value = os.environ.get(env) or setting(dotted)
    return str(value).strip() or None if value else None
