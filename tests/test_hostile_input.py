"""Hostile input is refused fast, typed and located, and nothing of it is written.

YAML bombs and deep nesting in rule files, overlong and control-laden text in commands,
wrongly typed command fields, oversized CSV cells and .xlsx zip bombs in imports.
"""

from __future__ import annotations

import time
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.builders import RosterBuilder
from tests.support import credit_code

from gridcase import ActOnCase, Engine, InvalidInput, RuleFileError
from gridcase.application.input_limits import MAX_FREE_TEXT, MAX_TEXT, check_text
from gridcase.kernel.yamldata import MAX_YAML_BYTES, MAX_YAML_DEPTH, read_yaml, read_yaml_file

# -- YAML ---------------------------------------------------------------------------------

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def refused_fast(text: str) -> RuleFileError:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(RuleFileError) as raised:
        read_yaml(text, name="hostile.yaml")
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 64 * 1024 * 1024
    return raised.value


def test_an_alias_bomb_is_refused_at_its_first_alias_with_file_and_line() -> None:
    problem = refused_fast(BILLION_LAUGHS).problems[0]
    assert (problem.file, problem.line) == ("hostile.yaml", 2)
    assert "aliases" in problem.message


@pytest.mark.parametrize(
    "text",
    ["[" * 10_000 + "]" * 10_000, "{a: " * 5_000 + "1" + "}" * 5_000],
    ids=["flow-list", "flow-map"],
)
def test_deep_flow_nesting_is_refused_before_the_scanner_runs(text: str) -> None:
    problem = refused_fast(text).problems[0]
    assert problem.line == 1
    assert f"{MAX_YAML_DEPTH} levels" in problem.message


def test_deep_block_nesting_is_refused_at_the_line_it_gets_too_deep() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v\n"
    problem = refused_fast(text).problems[0]
    assert problem.line == MAX_YAML_DEPTH
    assert "levels deep" in problem.message


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as f:
        f.write("x: '")
        f.write("a" * (MAX_YAML_BYTES + 10))
        f.write("'\n")
    started = time.perf_counter()
    with pytest.raises(RuleFileError, match="bytes"):
        read_yaml_file(path)
    assert time.perf_counter() - started < 0.5


def test_an_anchor_without_alias_and_ordinary_files_still_read() -> None:
    assert read_yaml("a: &x 1\nb: [1, [2, [3]]]\n", name="ok.yaml").data == {
        "a": 1,
        "b": [1, [2, [3]]],
    }


# -- text in commands ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ud800"]
)
def test_control_characters_and_bidi_overrides_are_refused_everywhere(char: str) -> None:
    with pytest.raises(InvalidInput, match=f"U\\+{ord(char):04X}"):
        check_text(f"前{char}后", "reason", free=True)
    with pytest.raises(InvalidInput):
        check_text(f"前{char}后", "name", free=False)


def test_line_breaks_are_text_in_free_text_but_not_in_names() -> None:
    assert check_text("第一行\n第二行\t完", "reason", free=True) == 9
    with pytest.raises(InvalidInput, match="line breaks"):
        check_text("某公司\n", "name", free=False)


@given(st.text(alphabet=st.characters(blacklist_categories=["Cc", "Cs"]), max_size=200))
def test_printable_text_within_the_limit_is_accepted_as_it_is(text: str) -> None:
    text = "".join(
        c for c in text if not "\u202a" <= c <= "\u202e" and not "\u2066" <= c <= "\u2069"
    )
    assert check_text(text, "reason", free=True) == len(text)


def test_a_ten_million_character_reason_is_refused_and_nothing_is_written(
    engine: Engine, roster: RosterBuilder
) -> None:
    before = engine.log.head()
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=f"at most {MAX_FREE_TEXT}") as raised:
        engine.roster.register_enterprise(
            jurisdiction="twogrids",
            credit_code=credit_code(1),
            name="某公司",
            in_scope_from=date(2024, 1, 1),
            reason="长" * 10_000_000,
            command_id="hostile-1",
        )
    assert time.perf_counter() - started < 2.0
    assert raised.value.field == "reason"
    assert engine.log.head() == before
    with pytest.raises(InvalidInput, match=f"at most {MAX_TEXT}"):
        roster.enterprise(credit_code(2), name="名" * (MAX_TEXT + 1))


def test_an_action_or_case_id_of_the_wrong_kind_is_invalid_input(engine: Engine) -> None:
    """Text is accepted for an action (its value) and a case id (its text or a prefix); an
    unknown action, or a value of another type, is bad input naming the field."""
    with pytest.raises(InvalidInput, match="action") as raised:
        engine.act(ActOnCase(uuid4(), "no_such_action", "center-1", "center", command_id="c-1"))  # type: ignore[arg-type]
    assert raised.value.field == "action"
    with pytest.raises(InvalidInput, match="is not a case id") as raised:
        engine.act(ActOnCase(12345, "dispatch", "c", "center", command_id="c-2"))  # type: ignore[arg-type]
    assert raised.value.field == "case_id"


# -- imports ------------------------------------------------------------------------------


def test_a_zip_bomb_xlsx_is_refused_before_it_is_opened(engine: Engine, tmp_path: Path) -> None:
    from gridcase.application.importer import read_roster

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 50_000_000 + b">")
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=r"zip bomb"):
        read_roster(bomb)
    assert time.perf_counter() - started < 2.0
    assert tracemalloc.get_traced_memory()[1] < 32 * 1024 * 1024
    tracemalloc.stop()


def test_an_oversized_csv_cell_is_invalid_input_with_its_line(tmp_path: Path) -> None:
    from gridcase.application.importer import read_roster

    path = tmp_path / "big.csv"
    path.write_text(
        f"credit_code,name\n{credit_code(1)},ok\n{credit_code(2)},{'x' * 200_000}\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="line 3"):
        read_roster(path)
