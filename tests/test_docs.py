"""Every KPI, every command-line option and every config key is documented, in Chinese and English; the README is a
front page (under 10 KB, the two commands, links that resolve) and docs/README.md lists every document."""
import argparse
import re

import pytest
from conftest import ROOT
from test_deploy import parse_cli, shell_words

from metrics.catalog import KPIS

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
# the README and every document under docs/ read together: what moved out of the README is still documented
ALL_DOCS = "\n".join([README, *(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))])
CONFIG_DOC = (DOCS / "config.md").read_text(encoding="utf-8")
CLI_DOC = (DOCS / "cli.md").read_text(encoding="utf-8")


LEAVES = {"profiles", "values", "compound_aliases", "satisfaction.weights", "three_rates.weights",
          "scorecard.weights", "time_limits.default", "time_limits.by_category", "access.oidc.roles"}


def config_keys(config, prefix=""):
    """Dotted keys of config.yaml down to the ones whose contents are data (weights, vocabularies, profiles)."""
    for key, value in config.items():
        path = prefix + str(key)
        yield path
        if isinstance(value, dict) and path not in LEAVES:
            yield from config_keys(value, path + ".")


def test_every_kpi_is_explained_in_both_languages():
    kpi_doc = (DOCS / "kpis.md").read_text(encoding="utf-8")
    for kpi in KPIS.values():
        assert f"`{kpi.name}`" in ALL_DOCS, kpi.name
        assert kpi.label_zh in ALL_DOCS, kpi.label_zh
        # the definitions table: one row per KPI, its name, its Chinese label
        assert re.search(rf"^\| `{kpi.name}` \| {re.escape(kpi.label_zh)} \|", kpi_doc, re.M), kpi.name


def test_every_config_key_is_documented(config):
    for key in config_keys(config):
        assert f"`{key}`" in CONFIG_DOC, key


class Parser(Exception):
    pass


def cli_parser(monkeypatch) -> argparse.ArgumentParser:
    """The parser `python -m metrics` builds (caught when it is asked to parse)."""
    from metrics.__main__ import main

    def caught(self, args=None, namespace=None):
        raise Parser(self)

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", caught)
    with pytest.raises(Parser) as parser:
        main(["kpis"])
    return parser.value.args[0]


def commands(monkeypatch) -> dict[str, list[str]]:
    """Each command of the CLI: its option strings (--db, --from, ...)."""
    parser = cli_parser(monkeypatch)
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {name: sorted(o for a in p._actions for o in a.option_strings if o not in ("-h", "--help"))
            for name, p in sub.choices.items()}


def code_lines(text: str) -> list[str]:
    """The `python -m metrics …` lines of TEXT's code blocks (continuations joined), comments left out."""
    blocks = "\n".join(block for i, block in enumerate(text.split("```")) if i % 2)
    return [line.strip() for line in blocks.replace("\\\n", " ").splitlines()
            if "python -m metrics " in line and not line.lstrip().startswith("#")]


def test_every_command_and_option_is_documented(monkeypatch):
    found = commands(monkeypatch)
    assert len(found) >= 15   # import … audit: the parser was read, not an empty list
    shown = {line.split("python -m metrics ", 1)[1].split()[0] for line in code_lines(CLI_DOC)}
    for command, options in found.items():
        assert command in shown, f"docs/cli.md has no `python -m metrics {command}` line"
        for option in options:
            assert re.search(rf"{re.escape(option)}(?![\w-])", CLI_DOC), f"{command} {option}"


def test_the_readme_command_lines_parse(monkeypatch):
    """The README's own ten lines are commands that run (the reference in docs/cli.md has placeholders)."""
    lines = code_lines(README)
    assert len(lines) >= 8
    for line in lines:
        args = parse_cli(shell_words(line.split("python -m metrics ", 1)[1].split("  #")[0]), monkeypatch)
        assert args.command, line


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
    assert "`.venv`" in README   # where both keep their virtual environment


def test_readme_is_a_front_page():
    assert len(README.encode("utf-8")) < 10_000
    assert "](docs/README.md)" in README


def test_every_link_resolves():
    """Relative links of the README and of docs/*.md point at files that exist (anchors not checked)."""
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)}: {target}"


def test_the_index_lists_every_document():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"]({page.name})" in index, page.name
