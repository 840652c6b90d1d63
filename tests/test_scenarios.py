"""Scenario tests: every scenario under rules/scenarios passes, and the runner tells the truth.

The scenario files are found on disk, so scenarios written for other jurisdictions run
here as soon as they are added. The runner itself is checked on copies with one
expectation changed (it must fail, at that step, with a readable diff), on malformed
files (refused with the line), and through the command line (exit codes, JUnit XML).
"""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from tests.support import REPO, RULES

from gridcase.cli import main
from gridcase.interfaces.scenarios import (
    load_scenario,
    run_scenario,
    run_scenarios,
    scenario_files,
    scenario_schema,
)
from gridcase.interfaces.scenarios.model import parse_moment
from gridcase.kernel.clock import CST
from gridcase.kernel.errors import RuleFileError

SCENARIOS = RULES / "scenarios"
ALL_SCENARIOS = sorted(SCENARIOS.rglob("*.yaml"))
HAPPY = SCENARIOS / "malu" / "01-consultation-happy-path-spring-festival.yaml"


def _copy_with(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """A copy of ``source`` with exactly one occurrence of ``old`` replaced."""
    text = source.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {source}"
    target = tmp_path / source.name
    target.write_text(text.replace(old, new), encoding="utf-8")
    return target


def _write(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


MINIMAL = """\
scenario: gridcase.scenario/1
name: minimal
description: one consultation submitted and dispatched
rules: malu
start: 2026-03-09T08:00+08:00
roster:
  enterprises:
    - {credit_code: 91310114MA1GU00011, name: 某公司}
  people:
    - {id: center-1, name: 值班员, roles: [center, unit], units: [planning]}
steps:
  - submit: c1
    at: 2026-03-09T09:00+08:00
    by: 91310114MA1GU00011
    role: enterprise
    category: consultation
    title: 咨询
    expect:
      state: submitted
      clocks: {dispatch: {due: 2026-03-10}}
  - act: dispatch
    at: 2026-03-09T10:00+08:00
    by: center-1
    role: center
    payload: {unit: planning}
    expect:
      state: dispatched
      flags: []
      events: [dispatch]
      clocks: {review: {due: 2026-03-10}}
"""


class TestEveryScenario:
    """Every scenario file under rules/scenarios runs and meets every expectation."""

    def test_there_are_scenarios(self) -> None:
        """The Malu scenarios are found (so the parametrised test below is not empty)."""
        assert len([p for p in ALL_SCENARIOS if p.parent.name == "malu"]) >= 8

    @pytest.mark.parametrize(
        "path", ALL_SCENARIOS, ids=[str(p.relative_to(SCENARIOS)) for p in ALL_SCENARIOS]
    )
    def test_scenario_passes(self, path: Path) -> None:
        """The scenario passes; a failure shows its diff."""
        result = run_scenario(path)
        assert result.passed, result.failure
        assert len(result.steps) == result.total_steps

    def test_malu_page_lists_every_malu_scenario(self) -> None:
        """docs/jurisdictions/malu.md names each Malu scenario file, and no other."""
        page = (REPO / "docs" / "jurisdictions" / "malu.md").read_text(encoding="utf-8")
        listed = set(re.findall(r"`(\d\d-[a-z0-9-]+)`", page))
        on_disk = {p.stem for p in ALL_SCENARIOS if p.parent.name == "malu"}
        assert listed == on_disk

    def test_every_malu_scenario_cites_and_counts(self) -> None:
        """Each Malu scenario's description cites section 六 or 五 and says how it counted."""
        for path in (p for p in ALL_SCENARIOS if p.parent.name == "malu"):
            description = load_scenario(path).scenario.description
            assert re.search(r"[五六]\([一二三四五六]\)", description), path
            assert "counted" in description, path


class TestFailureReport:
    """A wrong expectation fails at its step with an expected-versus-actual line."""

    def test_wrong_due_date(self, tmp_path: Path) -> None:
        """A due date one day early is reported field by field, and later steps do not run."""
        copy = _copy_with(
            tmp_path,
            HAPPY,
            "handling: {due: 2026-02-28,",
            "handling: {due: 2026-02-27,",
        )
        result = run_scenario(copy, rules_folder=RULES)
        assert not result.passed
        assert result.failure is not None
        assert "clocks.handling.due: expected 2026-02-27, got 2026-02-28" in result.failure
        step = result.failed_step
        assert step is not None
        assert step.index == 3
        assert step.action == "accept"
        assert len(result.steps) == 3 < result.total_steps
        assert f"step 3 (line {step.line})" in result.failure

    def test_wrong_state_and_owner(self, tmp_path: Path) -> None:
        """Every unmet field of a step is listed, not only the first."""
        path = _write(
            tmp_path,
            MINIMAL.replace(
                "      state: dispatched\n",
                "      state: handling\n      owner: {role: center}\n      unit: economic_city\n",
            ),
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert "state: expected handling, got dispatched" in failure
        assert "owner.role: expected center, got unit" in failure
        assert "unit: expected economic_city, got planning" in failure

    def test_clock_sets_are_exact(self, tmp_path: Path) -> None:
        """A clock open but not listed, and one listed but not open, are both differences."""
        path = _write(
            tmp_path,
            MINIMAL.replace("clocks: {review: {due: 2026-03-10}}", "clocks: {handling: {}}"),
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert "clocks.handling: expected open, got not running" in failure
        assert "clocks.review: expected not running, got open (due 2026-03-10)" in failure

    def test_flags_events_and_misses(self, tmp_path: Path) -> None:
        """Flags, events and misses are compared as written, with what is missing named."""
        path = _write(
            tmp_path,
            MINIMAL.replace(
                "      flags: []\n      events: [dispatch]\n",
                "      flags: [rated]\n      events: [clock_expired, dispatch]\n      misses: {dispatch: 1}\n",
            ),
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert "flags: expected [rated], got [] (missing rated)" in failure
        assert "events: expected [clock_expired, dispatch], got [dispatch]" in failure
        assert "misses.dispatch: expected 1, got 0" in failure

    def test_refusal_expected_but_step_succeeds(self, tmp_path: Path) -> None:
        """Expecting a refusal that does not come is a failure that says what happened instead."""
        path = _write(
            tmp_path,
            MINIMAL.replace(
                "      state: dispatched\n",
                "      refused: {error: NotAuthorised, message: not a member}\n",
            ),
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert "refused: expected NotAuthorised, got no refusal" in failure
        assert "state now dispatched" in failure

    def test_unexpected_refusal(self, tmp_path: Path) -> None:
        """A refused step that was expected to succeed shows the error class and message."""
        path = _write(tmp_path, MINIMAL.replace("    payload: {unit: planning}\n", ""))
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert (
            "refused: expected the step to succeed, got RefusedByRule: dispatch: payload field(s) required: unit"
            in failure
        )

    def test_refusal_of_another_kind(self, tmp_path: Path) -> None:
        """The error class, message and citation of a refusal are each checked."""
        path = _write(
            tmp_path,
            MINIMAL.replace("    payload: {unit: planning}\n", "").replace(
                "      state: dispatched\n",
                "      refused: {error: NotAuthorised, message: no such text, cite: 七}\n",
            ),
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        assert "refused.error: expected NotAuthorised, got RefusedByRule" in failure
        assert "refused.message: expected to contain 'no such text'" in failure
        assert "refused.cite: expected to contain '七'" in failure

    def test_subclass_matches_its_base(self, tmp_path: Path) -> None:
        """``RefusedByRule`` matches an ``OutOfScope`` refusal (an out-of-scope refusal is a rule refusal)."""
        path = _write(
            tmp_path,
            MINIMAL.replace(
                "{credit_code: 91310114MA1GU00011, name: 某公司}",
                "{credit_code: 91310114MA1GU00011, name: 某公司, in_scope_from: 2027-01-01}",
            )
            .replace(
                "      state: submitted\n      clocks: {dispatch: {due: 2026-03-10}}\n",
                "      refused: {error: RefusedByRule, message: not in malu's scope}\n",
            )
            .split("  - act: dispatch")[0],
        )
        result = run_scenario(path, rules_folder=RULES)
        assert result.passed, result.failure


class TestMalformedScenario:
    """A malformed scenario is refused before anything runs, naming the file and line."""

    def _problems(self, path: Path) -> list[tuple[int | None, str, str]]:
        with pytest.raises(RuleFileError) as info:
            load_scenario(path, rules_folder=RULES)
        return [(p.line, p.path, p.message) for p in info.value.problems]

    def test_unknown_key(self, tmp_path: Path) -> None:
        """A misspelt key is an unknown field of the scenario format, on its line."""
        path = _write(tmp_path, MINIMAL.replace("    title: 咨询\n", "    titel: 咨询\n"))
        problems = self._problems(path)
        assert (17, "steps[0].titel", "unknown field (not part of the scenario format)") in problems

    def test_bad_moment(self, tmp_path: Path) -> None:
        """A moment that is not ISO 8601 is refused on its line."""
        path = _write(tmp_path, MINIMAL.replace("at: 2026-03-09T10:00+08:00", "at: 9 March"))
        [(line, where, message)] = self._problems(path)
        assert (line, where) == (22, "steps[1].at")
        assert "not an ISO 8601 moment" in message

    def test_names_checked_against_the_rules(self, tmp_path: Path) -> None:
        """States, clocks and flags the rule file does not define are refused with their lines."""
        path = _write(
            tmp_path,
            MINIMAL.replace("      state: dispatched\n", "      state: dispached\n").replace(
                "clocks: {review: {due: 2026-03-10}}", "clocks: {reveiw: {due: 2026-03-10}}"
            ),
        )
        problems = self._problems(path)
        lines = {(line, where) for line, where, _ in problems}
        assert (27, "steps[1].expect.state") in lines
        assert (30, "steps[1].expect.clocks.reveiw") in lines
        assert any("unknown state 'dispached'" in m for _, _, m in problems)

    def test_time_never_runs_backwards(self, tmp_path: Path) -> None:
        """An advance to before a moment the scenario already reached is refused."""
        path = _write(tmp_path, MINIMAL + "  - advance: 2026-03-09T09:30+08:00\n")
        [(line, where, message)] = self._problems(path)
        assert (line, where) == (31, "steps[2].advance")
        assert "time never runs backwards" in message

    def test_unknown_case(self, tmp_path: Path) -> None:
        """A step on a case no earlier step submitted is refused."""
        path = _write(
            tmp_path, MINIMAL.replace("    by: center-1\n", "    case: c2\n    by: center-1\n")
        )
        [(line, where, message)] = self._problems(path)
        assert (line, where) == (23, "steps[1].case")
        assert "no case 'c2'" in message

    def test_yaml_syntax(self, tmp_path: Path) -> None:
        """A YAML syntax error names its line."""
        path = _write(tmp_path, MINIMAL.replace("    role: center\n", "    role: [center\n"))
        [(line, _, message)] = self._problems(path)
        assert line is not None
        assert line >= 24
        assert "not valid YAML" in message

    def test_not_a_scenario(self, tmp_path: Path) -> None:
        """A rule file (or anything else) given as a scenario is refused at its first key."""
        with pytest.raises(RuleFileError, match="not a gridcase scenario"):
            load_scenario(RULES / "malu.yaml", rules_folder=RULES)

    def test_run_scenarios_loads_all_first(self, tmp_path: Path) -> None:
        """One malformed file among good ones: nothing runs, and its problems are raised."""
        good = _write(tmp_path, MINIMAL, "a.yaml")
        bad = _write(tmp_path, MINIMAL.replace("rules: malu", "rules: nowhere"), "b.yaml")
        with pytest.raises(RuleFileError) as info:
            run_scenarios([good, bad], rules_folder=RULES)
        [problem] = info.value.problems
        assert (problem.file, problem.line) == (str(bad), 4)
        assert "no rule file" in problem.message


class TestRules:
    """Which rules a scenario runs on."""

    def test_another_jurisdictions_broken_file_is_ignored(self, tmp_path: Path) -> None:
        """A half-written rule file of another jurisdiction does not stop a Malu scenario."""
        folder = tmp_path / "rules"
        folder.mkdir()
        shutil.copy(RULES / "malu.yaml", folder / "malu.yaml")
        (folder / "elsewhere.yaml").write_text("schema: gridcase.rules/1\njurisdiction: [\n")
        path = _write(tmp_path, MINIMAL)
        assert run_scenario(path, rules_folder=folder).passed

    def test_the_scenarios_own_broken_file_is_reported(self, tmp_path: Path) -> None:
        """A broken rule file of the scenario's own jurisdiction is refused with its problems."""
        folder = tmp_path / "rules"
        folder.mkdir()
        text = (RULES / "malu.yaml").read_text(encoding="utf-8")
        (folder / "malu.yaml").write_text(text.replace("to: handling\n", "to: handlng\n", 1))
        with pytest.raises(RuleFileError, match="handlng"):
            load_scenario(_write(tmp_path, MINIMAL), rules_folder=folder)

    def test_rule_file_by_path(self, tmp_path: Path) -> None:
        """``rules:`` may name a rule file relative to the scenario."""
        path = _write(tmp_path, MINIMAL.replace("rules: malu", f"rules: {RULES / 'malu.yaml'}"))
        assert run_scenario(path).passed

    def test_expected_version(self, tmp_path: Path) -> None:
        """A version the jurisdiction does not have is refused on the ``version`` line."""
        path = _write(
            tmp_path, MINIMAL.replace("rules: malu\n", 'rules: malu\nversion: "1999.1"\n')
        )
        with pytest.raises(RuleFileError, match=r"no rule version '1999\.1'"):
            load_scenario(path, rules_folder=RULES)


GRIDDED_ROSTER = """\
roster:
  responsible_role: butler
  one_responsible_per_enterprise: true
  grid_kinds:
    economic_city:
      name: {zh: 经济城, en: economic city}
      cite: 二(二) 各经济城牵头联系其他企业
  team:
    butler:
      name: {zh: 服务管家, en: butler}
      role: butler
      max: 1
      cite: 五(六) 一企一管家
  cite: 五(六)
"""


class TestRosterSection:
    """Grids, teams and responsible people are registered through the roster's own commands."""

    def _folder(self, tmp_path: Path) -> Path:
        folder = tmp_path / "rules"
        folder.mkdir()
        text = (RULES / "malu.yaml").read_text(encoding="utf-8")
        head, _, _ = text.partition("\nroster:\n")
        (folder / "malu.yaml").write_text(head + "\n" + GRIDDED_ROSTER, encoding="utf-8")
        return folder

    def _scenario(self, tmp_path: Path, people: str, members: str) -> Path:
        return _write(
            tmp_path,
            MINIMAL.replace(
                "    - {credit_code: 91310114MA1GU00011, name: 某公司}\n",
                "    - {credit_code: 91310114MA1GU00011, name: 某公司, grids: [ec-1], responsible: [butler-1]}\n",
            ).replace(
                "    - {id: center-1, name: 值班员, roles: [center, unit], units: [planning]}\n",
                "    - {id: center-1, name: 值班员, roles: [center, unit], units: [planning]}\n"
                + people
                + "  grids:\n"
                + "    - {id: ec-1, kind: economic_city, name: 经济城一部, members: ["
                + members
                + "]}\n",
            ),
        )

    def test_grid_team_and_responsible(self, tmp_path: Path) -> None:
        """A grid with its team and an enterprise's responsible butler are registered before the steps."""
        path = self._scenario(
            tmp_path,
            "    - {id: butler-1, name: 管家, roles: [butler]}\n",
            "{person: butler-1, position: butler}",
        )
        result = run_scenario(path, rules_folder=self._folder(tmp_path))
        assert result.passed, result.failure

    def test_roster_refusal_is_a_failure(self, tmp_path: Path) -> None:
        """A registration the roster refuses (a responsible person without the role) fails the scenario."""
        path = self._scenario(
            tmp_path,
            "    - {id: butler-1, name: 管家, roles: [center]}\n",
            "",
        )
        result = run_scenario(path, rules_folder=self._folder(tmp_path))
        assert not result.passed
        assert result.failure is not None
        assert "roster.enterprises[0] (line 8): refused: NotAuthorised" in result.failure
        assert "butler-1" in result.failure
        assert result.steps == ()

    def test_enterprise_leaving_the_scope(self, tmp_path: Path) -> None:
        """An enterprise that moved out the day before may no longer file a demand."""
        path = _write(
            tmp_path,
            MINIMAL.replace(
                "{credit_code: 91310114MA1GU00011, name: 某公司}",
                "{credit_code: 91310114MA1GU00011, name: 某公司, in_scope_from: 2024-01-01,"
                " leaves_scope: {on: 2026-03-08, basis: moved_out, reason: 迁出马陆}}",
            )
            .replace(
                "      state: submitted\n      clocks: {dispatch: {due: 2026-03-10}}\n",
                "      refused: {error: OutOfScope, message: not in malu's scope on 2026-03-09}\n",
            )
            .split("  - act: dispatch")[0],
        )
        result = run_scenario(path, rules_folder=RULES)
        assert result.passed, result.failure

    def test_unknown_grid_kind_and_member(self, tmp_path: Path) -> None:
        """Grid kinds, positions and people of the roster section are checked at load."""
        path = self._scenario(tmp_path, "", "{person: nobody, position: chief}").read_text(
            encoding="utf-8"
        )
        bad = _write(tmp_path, path.replace("kind: economic_city", "kind: township"), "bad.yaml")
        with pytest.raises(RuleFileError) as info:
            load_scenario(bad, rules_folder=self._folder(tmp_path))
        messages = [p.message for p in info.value.problems]
        assert any("unknown grid kind 'township'" in m for m in messages)
        assert any("unknown person 'nobody'" in m for m in messages)
        assert any("unknown team position 'chief'" in m for m in messages)
        assert any("unknown person 'butler-1'" in m for m in messages)


class TestThrowawayStore:
    """Each scenario runs on a store of its own, deleted afterwards."""

    def test_store_is_deleted(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """Nothing is left in the temporary folder after a run."""
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        monkeypatch.setattr("tempfile.tempdir", str(scratch))
        assert run_scenario(_write(tmp_path, MINIMAL), rules_folder=RULES).passed
        assert list(scratch.iterdir()) == []

    def test_runs_are_independent(self, tmp_path: Path) -> None:
        """Running the same scenario twice gives the same result (no state carries over)."""
        path = _write(tmp_path, MINIMAL)
        first = run_scenario(path, rules_folder=RULES)
        second = run_scenario(path, rules_folder=RULES)
        assert first.passed
        assert second.passed
        assert [s.events for s in first.steps] == [s.events for s in second.steps]


class TestFiles:
    """Directories stand for every scenario below them."""

    def test_directory_expands_sorted(self) -> None:
        """A directory gives its *.yaml files, sorted, each once."""
        found = scenario_files([SCENARIOS / "malu", HAPPY])
        assert found == sorted(found)
        assert found.count(HAPPY) == 1


class TestMoments:
    """Moments are read as an official writes them."""

    @given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2060, 1, 1)))
    def test_naive_is_china_time(self, moment: datetime) -> None:
        """A moment without an offset is China time, whatever its value."""
        parsed = parse_moment(moment.isoformat())
        assert parsed == moment.replace(tzinfo=CST)

    @given(st.dates(min_value=datetime(2000, 1, 1).date(), max_value=datetime(2060, 1, 1).date()))
    def test_24_00_is_the_next_midnight(self, day: object) -> None:
        """``D T24:00`` is 00:00 of the next day, in China time."""
        parsed = parse_moment(f"{day}T24:00+08:00")
        assert isinstance(parsed, datetime)
        assert parsed == datetime.fromisoformat(f"{day}T00:00+08:00") + timedelta(days=1)


class TestSchema:
    """The JSON Schema describes the format, for editors."""

    def test_schema_names_the_format(self) -> None:
        """The schema has the top-level keys and the three kinds of step."""
        schema = scenario_schema()
        assert schema["title"] == "gridcase scenario"
        assert {"scenario", "name", "rules", "start", "steps"} <= set(schema["required"])
        text = str(schema)
        for key in ("submit", "act", "advance", "refused", "expired", "workaround"):
            assert f"'{key}'" in text


class TestDocsExample:
    """docs/scenarios.md's complete example runs as the page says."""

    def _example(self) -> str:
        text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
        found = re.search(r"<!-- example: scenario -->\n```yaml\n(.*?)```", text, re.S)
        assert found, "no scenario example in docs/scenarios.md"
        return found.group(1)

    def test_example_passes(self, tmp_path: Path) -> None:
        """The example scenario passes, step by step as printed on the page."""
        path = _write(tmp_path, self._example(), "example.yaml")
        result = run_scenario(path, rules_folder=RULES)
        assert result.passed, result.failure
        assert [s.state for s in result.steps] == [
            "submitted",
            "dispatched",
            "handling",
            "handling",
            "handling",
        ]

    def test_example_failure_is_as_shown(self, tmp_path: Path) -> None:
        """The page's failure output is what a wrong handling date really gives."""
        page = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
        path = _write(
            tmp_path,
            self._example().replace("handling: {due: 2026-03-02,", "handling: {due: 2026-02-27,"),
            "example.yaml",
        )
        failure = run_scenario(path, rules_folder=RULES).failure
        assert failure is not None
        for line in failure.splitlines():
            shown = line.replace(str(path), "example.yaml")
            assert shown in page, shown


class TestCommandLine:
    """``gridcase scenario run``: exit codes, output and JUnit XML."""

    def test_passing_scenarios_exit_0(self, tmp_path: Path) -> None:
        """A directory of passing scenarios exits 0 and prints each step."""
        result = CliRunner().invoke(main, ["scenario", "run", str(SCENARIOS / "malu")])
        assert result.exit_code == 0, result.output
        assert (
            "2026-02-14 Sat 10:00  accept c1  by econ-liaison (unit)  → handling  [accept]"
            in result.output
        )
        assert "passed, 0 failed" in result.output

    def test_failure_exits_1_with_diff_and_junit(self, tmp_path: Path) -> None:
        """A failing scenario exits 1, prints the diff, and the JUnit XML carries it."""
        bad = _copy_with(tmp_path, HAPPY, "review: {due: 2026-02-14}", "review: {due: 2026-02-13}")
        good = _write(tmp_path, MINIMAL, "a-good.yaml")
        junit = tmp_path / "junit.xml"
        result = CliRunner().invoke(
            main,
            ["scenario", "run", str(good), str(bad), "--rules", str(RULES), "--junit", str(junit)],
        )
        assert result.exit_code == 1, result.output
        assert "clocks.review.due: expected 2026-02-13, got 2026-02-14" in result.output
        suite = ET.parse(junit).getroot()
        assert suite.tag == "testsuite"
        assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
        cases = suite.findall("testcase")
        assert [c.get("classname") for c in cases] == ["scenarios.malu", "scenarios.malu"]
        assert cases[0].find("failure") is None
        failure = cases[1].find("failure")
        assert failure is not None
        assert "clocks.review.due: expected 2026-02-13, got 2026-02-14" in (
            failure.get("message") or ""
        )

    def test_quiet(self, tmp_path: Path) -> None:
        """--quiet prints one line per scenario and no steps."""
        result = CliRunner().invoke(main, ["scenario", "run", "--quiet", str(HAPPY)])
        assert result.exit_code == 0
        assert result.output.splitlines()[0].startswith("PASS")
        assert "accept c1" not in result.output

    def test_malformed_exits_2(self, tmp_path: Path) -> None:
        """A malformed scenario exits 2, names file and line, and runs nothing."""
        bad = _write(tmp_path, MINIMAL.replace("    title: 咨询\n", "    titel: 咨询\n"))
        junit = tmp_path / "junit.xml"
        result = CliRunner().invoke(
            main, ["scenario", "run", str(bad), "--rules", str(RULES), "--junit", str(junit)]
        )
        assert result.exit_code == 2
        assert f"{bad}:17: [steps[0].titel] unknown field" in result.output
        suite = ET.parse(junit).getroot()
        assert suite.get("errors") == "1"
        assert suite.find("testcase/error") is not None

    def test_missing_path_exits_2(self, tmp_path: Path) -> None:
        """A path that does not exist is a usage error."""
        result = CliRunner().invoke(main, ["scenario", "run", str(tmp_path / "nope.yaml")])
        assert result.exit_code == 2

    def test_schema_command(self) -> None:
        """``gridcase scenario schema`` prints the JSON Schema."""
        result = CliRunner().invoke(main, ["scenario", "schema"])
        assert result.exit_code == 0
        assert '"title": "gridcase scenario"' in result.output
