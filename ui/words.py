"""A value from data made safe for markdown, and a scope in words."""
from __future__ import annotations

import re

from metrics.kpis import Scope
from ui.i18n import t, value_label

_MARKUP = re.compile(r"([\\`*_{}\[\]()#!<>|~$:&])")


def plain(text) -> str:
    """A value from data made safe for st.markdown / st.write: every character that markdown, HTML or Streamlit's
    directives (:red[…], :material/…:) act on is escaped and line breaks become spaces, so a registry value such as
    <img src=…> or ![](http://…) is shown as written and never renders as a tag, a link or a fetched image."""
    return _MARKUP.sub(r"\\\1", " ".join(str(text).splitlines()))


def _scope_values(scope: Scope, language: str) -> list[tuple[str, str]]:
    """(filter, its value as the reader reads it) of each part of a scope: kinds and modes in words."""
    return [(name, value_label(name, value, language) if name in ("compound_kind", "management_mode") else str(value))
            for name, value in scope.as_dict().items()]


def scope_text(scope: Scope, language: str) -> str:
    parts = [f"{t(name, language)} {shown}" for name, shown in _scope_values(scope, language)]
    return "，".join(parts) if language == "zh" and parts else (", ".join(parts) or t("district", language))
