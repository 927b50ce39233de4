"""config.yaml, loaded once: the single place where targets, weights, vocabularies and profiles live."""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG_PATH = ROOT / "config.yaml"


@lru_cache(maxsize=8)
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_config(path: str | os.PathLike | None = None) -> dict:
    """The parsed config; DASHBOARD_CONFIG points at another file (tests use small variants)."""
    chosen = path or os.environ.get("DASHBOARD_CONFIG") or CONFIG_PATH
    return _load(str(Path(chosen).resolve()))


def database_path(config: dict | None = None) -> Path:
    """The user's database: DASHBOARD_DB, else config.yaml's `database`, relative to the repo."""
    config = config or load_config()
    return _resolve(os.environ.get("DASHBOARD_DB") or config["database"])


def demo_database_path(config: dict | None = None) -> Path:
    config = config or load_config()
    return _resolve(config["demo_database"])


def _resolve(p: str) -> Path:
    path = Path(p)
    return path if path.is_absolute() else ROOT / path
