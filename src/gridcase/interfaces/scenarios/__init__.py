"""Scenario tests: case histories written in advance, run with simulated time.

Officials who change a rule must see, before they publish it, what it does to real
cases. A scenario (``rules/scenarios/<jurisdiction>/NN-name.yaml``) names a roster, a
start moment and the steps of one or more cases, each with what the case must look like
afterwards; :func:`run_scenario` runs it on a throwaway store with a manual clock and
reports the first unmet expectation field by field. ``gridcase scenario run`` does the
same from the command line and writes JUnit XML for CI. The format is described in
``docs/scenarios.md``; its JSON Schema comes from :func:`scenario_schema`.

Typical use::

    from gridcase.interfaces.scenarios import run_scenario

    result = run_scenario("rules/scenarios/malu/01-consultation-spring-festival.yaml")
    if not result.passed:
        print(result.failure)   # clocks.handling.due: expected 2026-02-27, got 2026-02-26
"""

from __future__ import annotations

from typing import Any

from gridcase.interfaces.scenarios.coverage import RuleCoverage, ScenarioCoverage
from gridcase.interfaces.scenarios.loader import (
    LoadedScenario,
    load_scenario,
    load_scenarios,
    scenario_files,
)
from gridcase.interfaces.scenarios.model import SCENARIO_SCHEMA_ID, Scenario
from gridcase.interfaces.scenarios.report import format_result, format_summary, junit_xml
from gridcase.interfaces.scenarios.runner import (
    ScenarioResult,
    StepResult,
    run_loaded,
    run_scenario,
    run_scenarios,
)
from gridcase.workflow.schema import schema_document

__all__ = [
    "SCENARIO_SCHEMA_ID",
    "LoadedScenario",
    "RuleCoverage",
    "Scenario",
    "ScenarioCoverage",
    "ScenarioResult",
    "StepResult",
    "format_result",
    "format_summary",
    "junit_xml",
    "load_scenario",
    "load_scenarios",
    "run_loaded",
    "run_scenario",
    "run_scenarios",
    "scenario_files",
    "scenario_schema",
]


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, for editors that validate as one types.

    It checks shape only; names (states, clocks, flags, case names) are checked against
    the rule file when the scenario is loaded.
    """
    return schema_document(
        Scenario,
        SCENARIO_SCHEMA_ID,
        title="gridcase scenario",
        description=(
            "A case history written in advance: a roster, a start moment, and steps "
            "(submit, act, advance) each with the state, owner, clocks, flags, misses, "
            "events or refusal expected after it."
        ),
    )
