"""Text a spreadsheet would run, made inert: the one helper every CSV and Excel writer puts its cells through
(the downloads of metrics.exports, the CLI's CSV, the import's rejection file).

A cell whose text starts with = + - @, a tab or a carriage return (OWASP's list) is run as a formula by Excel,
LibreOffice and WPS when the file is opened; so is every line of a cell a spreadsheet splits into rows of its own
(a CSV cell holding a line break written unquoted). An apostrophe before each such start makes the text show as
written. Only text is changed: a number, a date or a blank is written as it is (a negative number stays a number).
The CSV writers quote every cell that holds a line break besides (their line terminator is \\r\\n)."""
from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# the start of the text, or of any line in it (after \r\n, \r or \n), followed by a formula start
_LIVE = re.compile(r"(^|\r\n|\r|\n)(?=[=+\-@\t\r])")


def is_live(text: str) -> bool:
    """Whether the text, or a line of it, starts as a formula."""
    return _LIVE.search(text) is not None


def inert(text: str) -> str:
    """The text with an apostrophe before a formula start at its beginning and after each line break:
    "\\r=1+1" -> "'\\r'=1+1", "a\\n=HYPERLINK(…)" -> "a\\n'=HYPERLINK(…)", "-5" -> "'-5"."""
    return _LIVE.sub(r"\1'", text)


def safe_cell(value):
    """A cell as a writer puts it: text made inert, anything else (a number, a date, None) as it is."""
    return inert(value) if isinstance(value, str) else value
