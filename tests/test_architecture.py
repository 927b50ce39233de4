"""The layers of docs/architecture.md hold: `.importlinter`'s contracts are kept, they name every module of the engine,
and a wrong arrow does fail them."""
from __future__ import annotations

import configparser
import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def _lint(config: Path) -> int:
    here = os.getcwd()
    os.chdir(ROOT)   # the root packages are found from the working directory
    try:
        return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)
    finally:
        os.chdir(here)


def _contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter", encoding="utf-8")
    return parser


def test_every_contract_is_kept():
    assert _lint(ROOT / ".importlinter") == 0


def test_every_module_and_room_of_metrics_is_on_a_floor_of_the_contract():
    """A new module at the root of metrics/ (or a new room) that the contract does not name would escape it."""
    layers = _contracts()["importlinter:contract:metrics-rooms"]["layers"]
    named = {name.strip() for line in layers.splitlines() for name in line.replace("|", ":").split(":") if name.strip()}
    on_disk = {p.stem for p in (ROOT / "metrics").glob("*.py") if p.stem != "__init__"}
    on_disk |= {p.parent.name for p in (ROOT / "metrics").glob("*/__init__.py")}
    assert on_disk - named == set()
    assert named - on_disk == set()


def test_every_top_level_package_is_a_root_of_the_contract():
    roots = set(_contracts()["importlinter"]["root_packages"].split())
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "benchmarks"}
    assert packages == roots


def test_a_wrong_arrow_fails(tmp_path):
    """The same checker, told that the store sits above the engine (metrics imports store: an arrow the wrong way)."""
    wrong = tmp_path / "wrong.ini"
    wrong.write_text("[importlinter]\nroot_packages =\n    metrics\n    store\n\n"
                     "[importlinter:contract:upside-down]\nname = upside down\ntype = layers\n"
                     "layers =\n    store\n    metrics\n", encoding="utf-8")
    assert _lint(wrong) == 1
