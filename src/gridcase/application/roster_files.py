"""Reading roster files (.csv and .xlsx) as a stream of rows, bounded and guarded.

An import reads its file twice (once to validate every row, once to save the valid ones
in batches), never holding all of its rows in memory: :class:`RosterFile` yields
:class:`RosterRow` one at a time each time it is iterated. What a file can make the
reader do is bounded:

* a cell holds at most :data:`MAX_CELL` characters (a longer one is
  :class:`~gridcase.kernel.errors.InvalidInput` naming its line and column, never the
  ``csv`` module's own ``field larger than field limit``);
* CSV is UTF-8 (with or without byte-order mark) or GB 18030, decoded as it is read;
* an .xlsx is first checked as the zip archive it is, without unpacking anything: it
  may unpack to at most :data:`MAX_XLSX_UNCOMPRESSED` bytes, and no part of it more than
  :data:`MAX_XLSX_RATIO` times its compressed size (a zip bomb is refused unopened);
  it is then read with openpyxl's read-only (streaming) mode.
"""

from __future__ import annotations

import codecs
import csv
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from gridcase.kernel.errors import InvalidInput

__all__ = [
    "COLUMNS",
    "MAX_CELL",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNCOMPRESSED",
    "REQUIRED",
    "RosterFile",
    "RosterRow",
    "read_roster",
]

COLUMNS: dict[str, tuple[str, ...]] = {
    "credit_code": ("统一社会信用代码", "信用代码", "credit_code"),
    "name": ("企业名称", "名称", "name"),
    "organisation_type": ("组织类型", "organisation_type"),
    "industry": ("行业", "所属行业", "industry"),
    "location": ("属地", "乡镇街道", "所在地", "location"),
    "tier": ("层级", "企业类别", "tier"),
    "grid": ("网格", "所属网格", "grid", "grids"),
    "responsible": ("负责人", "网格员", "服务管家", "服务专员", "responsible"),
    "map_number": ("地图编号", "编号", "map_number"),
    "in_scope_from": ("纳入日期", "纳入时间", "in_scope_from"),
    "basis": ("纳入依据", "basis"),
}
"""Each column's accepted headers (case and surrounding spaces ignored)."""

REQUIRED = ("credit_code", "name")


@dataclass(frozen=True)
class RosterRow:
    """One data row, with the line it was read from and its cells by column name."""

    line: int
    cells: dict[str, str | date]

    def text(self, column: str) -> str:
        value = self.cells.get(column, "")
        return value.isoformat() if isinstance(value, date) else value.strip()


def _header_map(headers: Sequence[str]) -> tuple[dict[int, str], list[str]]:
    by_name = {alias.casefold(): col for col, aliases in COLUMNS.items() for alias in aliases}
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for i, raw in enumerate(headers):
        name = str(raw or "").strip().lstrip("\ufeff")
        col = by_name.get(name.casefold())
        if col is None:
            if name:
                ignored.append(name)
            continue
        if col in mapping.values():
            raise InvalidInput(f"column {col} appears twice in the header ({name!r})", field="file")
        mapping[i] = col
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        wanted = "; ".join(f"{c} ({' / '.join(COLUMNS[c])})" for c in missing)
        raise InvalidInput(f"the header lacks required column(s): {wanted}", field="file")
    return mapping, ignored


def _cell(value: Any) -> str | date:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


MAX_CELL = 10_000
"""Characters in one cell of an imported file (a name or an address is far shorter)."""
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
"""Bytes an .xlsx may unpack to altogether (a 100,000-row roster unpacks to about 60 MB)."""
MAX_XLSX_RATIO = 100
"""How many times larger than compressed a part of an .xlsx may be (real sheets: 5-20)."""


def _bounded(line: int, record: Sequence[Any]) -> Sequence[Any]:
    for i, value in enumerate(record):
        if isinstance(value, str) and len(value) > MAX_CELL:
            raise InvalidInput(
                f"line {line}, column {i + 1}: a cell of {len(value)} characters "
                f"(at most {MAX_CELL})",
                field="file",
            )
    return record


def _encoding(path: Path) -> str:
    """UTF-8 if the whole file decodes as UTF-8 (read in pieces), else GB 18030 if it does."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InvalidInput("the CSV file is neither UTF-8 nor GB 18030 text", field="file")


def _csv_records(path: Path, encoding: str) -> Iterator[tuple[int, Sequence[Any]]]:
    with path.open(encoding=encoding, newline="") as f:
        reader = csv.reader(f)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise InvalidInput(
                    f"line {reader.line_num}: not readable as CSV ({exc}; a cell holds at "
                    f"most {MAX_CELL} characters)",
                    field="file",
                ) from None
            yield reader.line_num, _bounded(reader.line_num, record)


def _zip_guard(path: Path) -> None:
    """Refuse an .xlsx that would unpack to far more than it holds (a zip bomb), unopened."""
    try:
        with zipfile.ZipFile(path) as z:
            parts = z.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(
            f"{path.name} is not a readable .xlsx workbook: {exc}", field="file"
        ) from None
    total = sum(p.file_size for p in parts)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise InvalidInput(
            f"{path.name} unpacks to {total} bytes uncompressed (at most "
            f"{MAX_XLSX_UNCOMPRESSED}): refused as a possible zip bomb",
            field="file",
        )
    for p in parts:
        if p.file_size > 1024 * 1024 and p.file_size > MAX_XLSX_RATIO * max(p.compress_size, 1):
            raise InvalidInput(
                f"{path.name}: part {p.filename} unpacks to {p.file_size} bytes from "
                f"{p.compress_size} (more than {MAX_XLSX_RATIO} times): refused as a possible "
                "zip bomb, uncompressed size checked before opening",
                field="file",
            )


def _xlsx_records(path: Path) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InvalidInput(
            f"{path.name} is not a readable .xlsx workbook: {exc}", field="file"
        ) from None
    try:
        sheet = book.worksheets[0]
        for line, record in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, _bounded(line, record)
    finally:
        book.close()


class RosterFile:
    """A roster file, checked once when opened, read row by row each time it is iterated."""

    def __init__(self, path: str | Path) -> None:
        p = Path(path)
        if not p.is_file():
            raise InvalidInput(f"no such file {p}", field="file")
        suffix = p.suffix.lower()
        self.path = p
        self._encoding: str | None = None
        if suffix == ".csv":
            self._encoding = _encoding(p)
        elif suffix in {".xlsx", ".xlsm"}:
            _zip_guard(p)
        else:
            raise InvalidInput(f"{p.name}: import reads .csv or .xlsx files", field="file")
        self.mapping, self.ignored = self._header()

    def _records(self) -> Iterator[tuple[int, Sequence[Any]]]:
        if self._encoding is not None:
            return _csv_records(self.path, self._encoding)
        return _xlsx_records(self.path)

    def _header(self) -> tuple[dict[int, str], list[str]]:
        records = self._records()
        try:
            for _line, header in records:
                if any(str(c or "").strip() for c in header):
                    return _header_map([str(c or "") for c in header])
        finally:
            close = getattr(records, "close", None)
            if close is not None:
                close()
        raise InvalidInput("the file has no header row", field="file")

    def __iter__(self) -> Iterator[RosterRow]:
        records = self._records()
        for _line, header in records:
            if any(str(c or "").strip() for c in header):
                break
        for line, record in records:
            cells = {
                col: _cell(record[i]) if i < len(record) else "" for i, col in self.mapping.items()
            }
            if not any(isinstance(v, date) or v.strip() for v in cells.values()):
                continue
            yield RosterRow(line, cells)


def read_roster(path: str | Path) -> tuple[list[RosterRow], list[str]]:
    """The data rows of a roster file (.csv or .xlsx), and the header cells it ignored."""
    file = RosterFile(path)
    return list(file), file.ignored
