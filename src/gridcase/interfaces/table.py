"""The one renderer of tables for a terminal: columns aligned by display width, nothing cut.

Every table the command line prints goes through :func:`render`. A Chinese character,
such as those of an id like ``王五`` or an enterprise name, takes two cells of a
terminal, not one: widths are measured with `wcwidth <https://pypi.org/project/wcwidth/>`_
(the width tables of the Unicode standard, as terminals use them), never by counting code
points. A value is never cut: when the table is wider than the terminal, the widest
columns are narrowed and their values wrapped onto further lines of the same row; asked
to be ``wide`` (``--wide``) the table keeps every value on one line, however long.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from wcwidth import wcswidth, wcwidth

from gridcase.interfaces.export import Cell, Table

__all__ = ["GAP", "cell_text", "display_width", "render", "wrap"]

GAP = "  "
"""Between two columns."""
MIN_COLUMN = 8
"""A column is never narrowed below this many cells (or its header's width, if less)."""


def _char_width(ch: str) -> int:
    w = wcwidth(ch)
    return 0 if w < 0 else w  # a control character takes no cell


def display_width(text: str) -> int:
    """How many terminal cells ``text`` takes (a CJK character two, a combining mark none)."""
    width = wcswidth(text)
    return width if width >= 0 else sum(_char_width(ch) for ch in text)


def cell_text(value: Cell) -> str:
    """A table value as a terminal shows it: ``-`` for none, China time to the minute."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken after a space, comma or slash
    where one is near, else between characters; every character is kept."""
    lines: list[str] = []
    for paragraph in text.split("\n") or [""]:
        line, used = "", 0
        for ch in paragraph:
            w = _char_width(ch)
            if used + w > width and line:
                cut = max(line.rfind(sep) for sep in " ,/;、，") + 1
                if 0 < cut < len(line) and cut > len(line) // 2:
                    lines.append(line[:cut])
                    line = line[cut:]
                else:
                    lines.append(line)
                    line = ""
                used = display_width(line)
            line += ch
            used += w
        lines.append(line)
    return lines


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def _widths(natural: list[int], floor: list[int], limit: int | None) -> list[int]:
    """Column widths: the natural ones, the widest narrowed one cell at a time to fit."""
    widths = list(natural)
    if limit is None:
        return widths
    room = limit - len(GAP) * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
        if widths[widest] <= floor[widest]:
            break  # as narrow as it goes: the table is wider than the terminal
        widths[widest] -= 1
    return widths


def render(table: Table, *, width: int | None = None, wide: bool = False) -> list[str]:
    """The table's lines: a header, a rule, then each row (wrapped onto more lines when
    its values do not fit the columns). ``width`` is the terminal's, None for no limit;
    ``wide`` keeps every value on one line. Every line has the same display width."""
    headers = [c.header for c in table.columns]
    rows = [[cell_text(v) for v in values] for values in table.values()]
    numeric = [
        bool(table.rows) and all(isinstance(r[c.key], int | float) for r in table.rows)
        for c in table.columns
    ]
    natural = [
        max([display_width(h), *(max(map(display_width, r[i].split("\n"))) for r in rows)])
        for i, h in enumerate(headers)
    ]
    floor = [
        min(n, max(MIN_COLUMN, display_width(h))) for n, h in zip(natural, headers, strict=True)
    ]
    widths = _widths(natural, floor, None if wide else width)
    lines = _row_lines(headers, widths, [False] * len(widths))
    lines.append(GAP.join("-" * w for w in widths))
    for row in rows:
        lines.extend(_row_lines(row, widths, numeric))
    return lines


def _row_lines(values: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> list[str]:
    parts = [wrap(v, w) for v, w in zip(values, widths, strict=True)]
    height = max(len(p) for p in parts)
    return [
        GAP.join(
            _pad(p[n] if n < len(p) else "", w, r)
            for p, w, r in zip(parts, widths, right, strict=True)
        )
        for n in range(height)
    ]
