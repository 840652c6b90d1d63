"""The one table renderer: columns aligned by display width, nothing ever cut.

A Chinese character takes two cells of a terminal; padding by code points (the old
``f"{x:<18}"``) pushed every column after ``王五`` two cells right. Every line is
measured here with wcwidth, the same measure terminals use.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from wcwidth import wcswidth

from gridcase.interfaces.export import Column, Table
from gridcase.interfaces.render import ledger_view
from gridcase.interfaces.table import GAP, display_width, render, wrap
from gridcase.projections.ledger import LedgerRow

COLUMNS = (Column("id"), Column("owner"), Column("enterprise"), Column("count"))
ROWS = (
    {"id": "王五", "owner": "unit/经济城招商服务中心第二分中心", "enterprise": "上海马陆示例科技有限公司", "count": 3},
    {"id": "li", "owner": "center", "enterprise": "ACME", "count": 12},
    {"id": "张三丰", "owner": "unit/planning-and-natural-resources-bureau", "enterprise": "企业", "count": 0},
)  # fmt: skip
TABLE = Table(COLUMNS, ROWS)


def starts(line: str, values: list[str]) -> list[int]:
    """The display column at which each value begins on ``line``."""
    return [wcswidth(line[: line.index(v)]) for v in values]


def columns_read_back(lines: list[str]) -> list[dict[str, str]]:
    """The values of each row, read back by slicing every line at the header's columns
    (a row's further lines continue its values; spaces left out, as wrapping may break at one)."""
    header, _, *body = lines
    names = header.split()
    bounds = [*starts(header, names), display_width(header) + 1]
    rows: list[dict[str, str]] = []
    for line in body:
        cells = dict.fromkeys(names, "")
        used = 0
        for ch in line:
            n = max(i for i, b in enumerate(bounds) if b <= used)
            cells[names[min(n, len(names) - 1)]] += ch
            used += display_width(ch)
        if cells[names[0]].strip():
            rows.append(dict.fromkeys(names, ""))
        for k in names:
            rows[-1][k] += cells[k].replace(" ", "")
    return rows


class TestAligned:
    def test_every_line_has_the_same_display_width(self) -> None:
        lines = render(TABLE)
        assert len({wcswidth(line) for line in lines}) == 1

    def test_a_chinese_id_does_not_push_the_columns_right(self) -> None:
        """``王五`` (4 cells) and ``li`` (2 cells): the owners begin at the same column."""
        header, _, wang, li, zhang = render(TABLE)
        assert starts(wang, ["unit/经济城"]) == starts(li, ["center"]) == starts(header, ["owner"])
        assert starts(zhang, ["企业"]) == starts(header, ["enterprise"])

    def test_numbers_align_right(self) -> None:
        _, _, wang, li, _ = render(TABLE)
        assert wang.endswith(" 3")
        assert li.endswith("12")


class TestNothingCut:
    def test_wide_keeps_every_value_whole_on_one_line(self) -> None:
        lines = render(TABLE, width=40, wide=True)
        assert len(lines) == 2 + len(ROWS)
        for row, line in zip(ROWS, lines[2:], strict=True):
            for value in row.values():
                assert str(value) in line

    def test_a_narrow_terminal_wraps_long_values_within_its_width(self) -> None:
        lines = render(TABLE, width=60)
        assert len(lines) > 2 + len(ROWS)  # some values went onto further lines
        assert all(wcswidth(line) <= 60 for line in lines)
        assert len({wcswidth(line) for line in lines}) == 1
        assert columns_read_back(lines) == [
            {k: str(v).replace(" ", "") for k, v in row.items()} for row in ROWS
        ]

    def test_the_ledger_shows_the_whole_owner(self) -> None:
        """``handling×1,pro`` and ``enterprise/9131011`` were what the old table kept."""
        row = _ledger_row()
        (line,) = render(ledger_view([row]))[2:]
        assert "enterprise/913101145678901234" in line
        assert "handling×1, progress_report×2" in line


texts = st.text(alphabet=st.sampled_from("ab ,/王五张三丰经济城é\u0301-"), min_size=0, max_size=40)


@given(st.lists(st.tuples(texts, texts), min_size=1, max_size=6), st.integers(20, 100))
def test_any_table_is_aligned_and_loses_no_character(
    rows: list[tuple[str, str]], width: int
) -> None:
    """For any text, every line is as wide as every other, and wrapping only splits values."""
    table = Table(
        (Column("a"), Column("b")), tuple({"a": a or "-", "b": b or "-"} for a, b in rows)
    )
    lines = render(table, width=width)
    assert len({display_width(line) for line in lines}) == 1


@given(texts, st.integers(2, 30))
def test_wrapping_keeps_every_character_in_order(text: str, width: int) -> None:
    pieces = wrap(text, width)
    assert "".join(pieces) == text
    assert all(display_width(p) <= width for p in pieces)


def test_the_gap_between_columns_is_two_cells() -> None:
    header = render(Table((Column("a"), Column("b")), ({"a": "王", "b": "x"},)))[0]
    assert header == "a " + GAP + "b"


def _ledger_row() -> LedgerRow:
    from datetime import datetime
    from uuid import UUID

    from gridcase.kernel.clock import CST

    return LedgerRow(
        case_id=UUID(int=1),
        jurisdiction="malu",
        enterprise="913101145678901234",
        title="申请协调厂房扩建审批",
        category="consultation",
        channel="platform",
        submitted_at=datetime(2026, 2, 12, 10, tzinfo=CST),
        state="handling",
        owner_role="enterprise",
        owner_party="913101145678901234",
        open_deadlines={"handling": date(2026, 3, 3)},
        misses={"handling": 1, "progress_report": 2},
    )
