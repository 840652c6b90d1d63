"""Showing scenario results: to the official at a terminal, and to CI as JUnit XML.

The terminal report tells the story of each case step by step (when, who, what, the
state it led to, what was recorded) so that an official can follow a scenario without
reading YAML; a failure is shown as the expected-versus-actual lines of the step that
broke. The JUnit report has one test case per scenario, with that text as the failure
message, which is what CI systems display.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

from gridcase.interfaces.scenarios.runner import ScenarioResult, StepResult
from gridcase.kernel.errors import Problem

__all__ = ["format_result", "format_step", "format_summary", "junit_xml", "junit_xml_for_problems"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_step(step: StepResult) -> list[str]:
    """``  3  2026-02-14 Sat 10:00  accept c1  by econ-liaison (unit)  → handling  [accept]``."""
    m = step.moment
    when = f"{m:%Y-%m-%d} {_WEEKDAYS[m.weekday()]} {m:%H:%M}"
    if step.action == "advance":
        what = "time passes" + (f", {step.case}" if step.case else "")
    else:
        what = step.action if step.case is None else f"{step.action} {step.case}"
    by = f"  by {step.actor} ({step.role})" if step.actor else ""
    if step.error is not None:
        outcome = "error"
    elif step.refused is not None:
        outcome = f"refused: {step.refused}"
    else:
        outcome = f"→ {step.state or '-'}  [{', '.join(step.events)}]"
    lines = [f"  {step.index:>2}  {when}  {what}{by}  {outcome}"]
    if step.note:
        lines.append(f"        {step.note}")
    if step.workaround:
        lines.append(f"        WORKAROUND: {step.workaround}")
    return lines


def format_result(result: ScenarioResult, *, quiet: bool = False) -> list[str]:
    """A scenario's report: a headline, its steps (unless quiet) and, on failure, the diff."""
    verdict = "PASS" if result.passed else ("ERROR" if result.error else "FAIL")
    lines = [f"{verdict}  {result.path}  {result.name}"]
    if not quiet:
        for step in result.steps:
            lines.extend(format_step(step))
    if result.failure is not None:
        lines.extend(f"    {line}" for line in result.failure.splitlines())
        not_run = result.total_steps - len(result.steps)
        if not_run and not quiet:
            lines.append(f"    ({not_run} later step(s) not run)")
    return lines


def format_summary(results: Sequence[ScenarioResult]) -> str:
    failed = sum(1 for r in results if not r.passed)
    return f"{len(results)} scenario(s): {len(results) - failed} passed, {failed} failed"


def _suite(tests: int, failures: int, errors: int, seconds: float) -> ET.Element:
    return ET.Element(
        "testsuite",
        {
            "name": "gridcase scenarios",
            "tests": str(tests),
            "failures": str(failures),
            "errors": str(errors),
            "skipped": "0",
            "time": f"{seconds:.3f}",
        },
    )


def _text(suite: ET.Element) -> str:
    ET.indent(suite)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
    )


def junit_xml(results: Sequence[ScenarioResult]) -> str:
    """One ``testsuite``; one ``testcase`` per scenario; the diff as the failure message."""
    failures = sum(1 for r in results if not r.passed and not r.error)
    errors = sum(1 for r in results if r.error)
    suite = _suite(len(results), failures, errors, sum(r.seconds for r in results))
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"scenarios.{r.jurisdiction}",
                "name": f"{r.path.stem}: {r.name}",
                "file": str(r.path),
                "time": f"{r.seconds:.3f}",
            },
        )
        if r.failure is not None:
            tag = "error" if r.error else "failure"
            node = ET.SubElement(case, tag, {"message": r.failure, "type": "ScenarioFailure"})
            node.text = "\n".join(format_result(r))
        else:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(format_result(r))
    return _text(suite)


def junit_xml_for_problems(problems: Iterable[Problem]) -> str:
    """The JUnit report of a run that never started: one erroring test case per bad file."""
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    suite = _suite(len(by_file), 0, len(by_file), 0.0)
    for file, found in by_file.items():
        case = ET.SubElement(
            suite, "testcase", {"classname": "scenarios", "name": file, "file": file, "time": "0"}
        )
        message = "\n".join(str(p) for p in found)
        node = ET.SubElement(case, "error", {"message": message, "type": "RuleFileError"})
        node.text = message
    return _text(suite)
