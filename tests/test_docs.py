"""Every KPI and every config key is documented, in Chinese and English."""
from conftest import ROOT

from metrics.catalog import KPIS

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONFIG_DOC = (ROOT / "docs" / "config.md").read_text(encoding="utf-8")


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
    for kpi in KPIS.values():
        assert f"`{kpi.name}`" in README, kpi.name
        assert kpi.label_zh in README, kpi.label_zh


def test_every_config_key_is_documented(config):
    for key in config_keys(config):
        assert f"`{key}`" in CONFIG_DOC, key


def test_readme_gives_the_two_commands():
    assert "make run" in README and "make test" in README
