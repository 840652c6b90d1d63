"""Rule files: every bundled file loads, and every kind of mistake is refused with its line.

A rule file is written by officials. When it is wrong, loading must say where (file and
line) and what, for every mistake at once, and no case may ever run on it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.support import REPO, RULES

from gridcase import NotFound, Problem, RuleBook, RuleFileError
from gridcase.workflow.loader import load_rules, parse_rules
from gridcase.workflow.schema import rule_file_schema

MALU = (RULES / "malu.yaml").read_text(encoding="utf-8")
RULE_FILES = sorted(RULES.glob("*.yaml"))


def line_of(text: str, needle: str) -> int:
    """The 1-based line on which ``needle`` first appears."""
    for i, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in text")


def refused(text: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as info:
        parse_rules(text, name="edited.yaml")
    return info.value


class TestBundledRuleFiles:
    @pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
    def test_every_bundled_rule_file_loads(self, path: Path) -> None:
        """Each file under rules/ passes every check and cites its source document."""
        compiled = load_rules(path)
        assert compiled.rules.jurisdiction.source.file.endswith(".txt")
        assert (Path("/work/shared/seeds") / compiled.rules.jurisdiction.source.file).name

    def test_the_rule_book_holds_every_jurisdiction(self) -> None:
        """The bundled folder loads as one book, one entry per jurisdiction and version."""
        book = RuleBook.from_folder(RULES)
        assert "malu" in book.jurisdictions
        assert book.in_force("malu", date(2024, 6, 1)).version == "2023.1"

    def test_no_rules_before_they_took_effect(self) -> None:
        """A date before the first version's effective date has no rules in force."""
        book = RuleBook.from_folder(RULES)
        with pytest.raises(NotFound, match="earliest take effect on 2023-12-26"):
            book.in_force("malu", date(2023, 12, 25))

    def test_the_newest_version_in_force_wins(self, tmp_path: Path) -> None:
        """With two versions, a date picks the latest one already in effect."""
        (tmp_path / "malu.yaml").write_text(MALU, encoding="utf-8")
        (tmp_path / "malu-2026.yaml").write_text(
            MALU.replace('version: "2023.1"', 'version: "2026.1"').replace(
                "effective: 2023-12-26", "effective: 2026-07-01"
            ),
            encoding="utf-8",
        )
        book = RuleBook.from_folder(tmp_path)
        assert book.in_force("malu", date(2026, 6, 30)).version == "2023.1"
        assert book.in_force("malu", date(2026, 7, 1)).version == "2026.1"

    def test_one_version_cannot_mean_two_things(self, tmp_path: Path) -> None:
        """Two different files claiming the same jurisdiction and version are refused."""
        (tmp_path / "a.yaml").write_text(MALU, encoding="utf-8")
        (tmp_path / "b.yaml").write_text(
            MALU.replace("handling: {working_days: 5}", "handling: {working_days: 6}", 1),
            encoding="utf-8",
        )
        with pytest.raises(RuleFileError, match="give the new rules a new version"):
            RuleBook.from_folder(tmp_path)

    def test_layout_and_comments_do_not_change_the_content_hash(self) -> None:
        """The pinned hash is of what the rules mean, not of how the file is laid out."""
        reformatted = "# a comment\n" + MALU.replace("  consultation:\n", "  consultation:   \n")
        assert parse_rules(reformatted).content_hash == parse_rules(MALU).content_hash

    def test_the_published_json_schema_is_current(self) -> None:
        """docs/rule-file.schema.json is what ``gridcase rules schema`` prints today."""
        published = json.loads(
            (REPO / "docs" / "rule-file.schema.json").read_text(encoding="utf-8")
        )
        assert published == rule_file_schema()


class TestMalformedRuleFiles:
    """Each mistake is named with the file, the line and the element."""

    def test_not_yaml(self) -> None:
        """Broken YAML names the line where parsing failed."""
        err = refused(MALU.replace("  center:\n", "  center: [\n", 1))
        assert err.problems[0].file == "edited.yaml"
        assert err.problems[0].line is not None
        assert "not valid YAML" in err.problems[0].message

    def test_object_tags_are_refused(self) -> None:
        """A Python object tag never reaches a constructor: data only."""
        err = refused(
            MALU.replace('version: "2023.1"', "version: !!python/object/apply:os.system ['true']")
        )
        assert "not plain data" in str(err)

    def test_a_key_given_twice(self) -> None:
        """YAML would silently keep the second; gridcase refuses both, naming the first line."""
        text = MALU.replace('version: "2023.1"\n', 'version: "2023.1"\nversion: "2023.2"\n')
        err = refused(text)
        assert "given twice" in err.problems[0].message
        assert err.problems[0].line == line_of(text, 'version: "2023.2"')

    def test_an_unknown_field(self) -> None:
        """A misspelt key is not silently ignored."""
        text = MALU.replace("    guards: {payload: [unit]}\n", "    gaurds: {payload: [unit]}\n", 1)
        err = refused(text)
        assert any(
            "unknown field" in p.message and p.line == line_of(text, "gaurds") for p in err.problems
        )

    def test_an_impossible_date(self) -> None:
        """A date that does not exist is a finding with its line, not a crash."""
        err = refused(MALU.replace("effective: 2023-12-26", "effective: 2023-02-30"))
        assert err.problems[0].path == "effective"
        assert err.problems[0].line == line_of(MALU, "effective:")

    def test_unknown_state(self) -> None:
        """A transition to a state that is not declared."""
        text = MALU.replace(
            "    to: dispatched\n    by: [center]\n    guards: {payload: [unit]}",
            "    to: dispatchd\n    by: [center]\n    guards: {payload: [unit]}",
        )
        err = refused(text)
        assert any(
            "unknown state 'dispatchd'" in p.message and p.line == line_of(text, "to: dispatchd")
            for p in err.problems
        )

    def test_unknown_role(self) -> None:
        """A transition allowed to a role that is not declared."""
        err = refused(
            MALU.replace("    by: [enterprise, butler]\n", "    by: [enterprise, buttler]\n")
        )
        assert any("unknown role 'buttler'" in p.message for p in err.problems)

    def test_unreachable_state(self) -> None:
        """A state no transition leads to."""
        text = MALU.replace(
            "  withdrawn:\n",
            "  limbo:\n    name: {zh: 悬置, en: limbo}\n    owner: center\n    cite: x\n  withdrawn:\n",
        )
        err = refused(text)
        assert any(
            "'limbo' cannot be reached" in p.message and p.line == line_of(text, "limbo:")
            for p in err.problems
        )

    def test_a_state_with_no_way_out(self) -> None:
        """A non-final state from which no final state can be reached."""
        text = MALU.replace(
            "    from: [replied]\n    to: signed_off\n", "    from: [replied]\n    to: replied\n"
        )
        err = refused(text)
        assert any("'replied' has no way out" in p.message for p in err.problems)

    def test_a_clock_nothing_stops(self) -> None:
        """A clock that is started but never stopped would run for ever."""
        text = MALU.replace("    stop: [written_reply]\n", "")
        err = refused(text)
        assert any(
            "'written_reply' is started but nothing stops it" in p.message for p in err.problems
        )

    def test_a_ladder_with_gaps(self) -> None:
        """Ladder levels must be 0..n-1 without gaps."""
        text = MALU.replace(
            "  - level: 1\n    role: town_leaders", "  - level: 2\n    role: town_leaders"
        )
        err = refused(text)
        assert any(
            "without gaps" in p.message and p.line == line_of(text, "ladder:") for p in err.problems
        )

    def test_missing_citation(self) -> None:
        """Every transition cites its paragraph or states an assumption."""
        text = MALU.replace("    cite: 六(一) 按照诉求类型分派工单给责任单位\n", "")
        err = refused(text)
        assert any("needs a 'cite'" in p.message for p in err.problems)

    def test_a_guard_on_a_flag_nobody_sets(self) -> None:
        """A guard that can never pass is a mistake in the file."""
        err = refused(MALU.replace("guards: {flags_any: [rated]}", "guards: {flags_any: [rates]}"))
        assert any("flag 'rates' is never set" in p.message for p in err.problems)

    def test_expiry_that_system_may_not_perform(self) -> None:
        """An auto-confirmation where the rules do not let gridcase confirm is caught on load."""
        err = refused(MALU.replace("    by: [enterprise, system]\n", "    by: [enterprise]\n"))
        assert any("not allowed for 'system'" in p.message for p in err.problems)

    def test_ambiguous_branches(self) -> None:
        """Two branches of one action must differ in their 'when'."""
        err = refused(
            MALU.replace(
                "when: {satisfaction: [unsatisfied]}",
                "when: {satisfaction: [unsatisfied, satisfied]}",
            ).replace(
                "    guards: {payload: [satisfaction]}\n", "    when: {satisfaction: [satisfied]}\n"
            )
        )
        assert any("overlaps" in p.message for p in err.problems)

    def test_a_time_of_day_stays_a_time(self) -> None:
        """10:00 is read as a time, never as YAML 1.1's sexagesimal 600."""
        text = MALU.replace(
            "duration: {working_days: 1}", "duration: {next_working_day_at: 10:00}", 1
        )
        compiled = parse_rules(text)
        duration = compiled.rules.clocks["dispatch"].duration
        assert str(duration.next_working_day_at) == "10:00:00"

    def test_all_problems_are_reported_at_once(self) -> None:
        """Officials fix a file in one go: every finding is listed."""
        text = MALU.replace(
            "    by: [enterprise, butler]\n", "    by: [enterprise, buttler]\n"
        ).replace(
            "to: dispatched\n    by: [center]\n    guards: {payload: [unit]}",
            "to: dispatchd\n    by: [center]\n    guards: {payload: [unit]}",
        )
        err = refused(text)
        assert len(err.problems) >= 2

    @given(
        st.integers(min_value=0, max_value=len(MALU) - 1),
        st.sampled_from(["", ":", "[", "- ", "\t", "}"]),
    )
    def test_any_corruption_is_refused_or_valid_never_a_crash(self, at: int, junk: str) -> None:
        """Whatever an editor does to the text, loading either succeeds or raises RuleFileError."""
        text = MALU[:at] + junk + MALU[at + 1 :]
        problems: tuple[Problem, ...] = ()
        try:
            parse_rules(text, name="fuzzed.yaml")
        except RuleFileError as exc:
            problems = exc.problems
        assert all(p.file == "fuzzed.yaml" for p in problems)
