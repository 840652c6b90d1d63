"""Performance figures and compliance findings, computed from the problem ledger's rows.

The rules: a closed case is on time when none of its clocks ran out; the return rate is
over all cases; working days to resolve count from receipt to the last resolution in
the jurisdiction's calendar; a case counts to the unit and the officer that resolved it
and the month it came in. A finding names the steps that prove it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid5

from click.testing import CliRunner
from tests.support import AdminEngine, cst

from gridcase.cli import main
from gridcase.projections.ledger import LedgerRow
from gridcase.projections.performance import findings, performance

NS = UUID("12121212-1212-1212-1212-121212121212")


def row(n: int, **fields: Any) -> LedgerRow:
    base: dict[str, Any] = {
        "case_id": uuid5(NS, str(n)),
        "jurisdiction": "malu",
        "enterprise": f"E{n}",
        "title": "诉求",
        "category": "consultation",
        "channel": "platform",
        "submitted_at": cst(2026, 4, 1, 9),
        "steps": 3,
    }
    base.update(fields)
    return LedgerRow(**base)


def resolved(n: int, unit: str, officer: str, at: datetime, **fields: Any) -> LedgerRow:
    return row(n, resolved_at=at, resolved_by=officer, resolved_unit=unit, final=True, **fields)


class TestPerformance:
    def test_rates_per_unit(self) -> None:
        """Planning: two closed, one of them late and returned; economy: one on time."""
        rows = [
            resolved(1, "planning", "u", cst(2026, 4, 3, 9), satisfaction="satisfied"),
            resolved(
                2,
                "planning",
                "u",
                cst(2026, 4, 10, 9),
                misses={"handling": 1},
                returns=1,
                satisfaction="unsatisfied",
                scores={"efficiency": 2, "attitude": 4, "quality": 3},
            ),
            resolved(3, "economy", "e", cst(2026, 4, 2, 9)),
        ]
        (planning,) = [p for p in performance(rows, "unit") if p.key == "planning"]
        assert (planning.cases, planning.closed, planning.overdue) == (2, 2, 1)
        assert planning.on_time_rate == 0.5
        assert planning.return_rate == 0.5
        assert planning.satisfaction_rate == 0.5
        assert planning.efficiency == 2
        # Apr 1 → Apr 3: one working day (the 2nd); Apr 1 → Apr 10: 5 (2, 3, 7, 8, 9).
        assert planning.mean_days_to_resolve == 3
        assert planning.p90_days_to_resolve is not None
        assert 1 <= planning.p90_days_to_resolve <= 5
        (economy,) = [p for p in performance(rows, "unit") if p.key == "economy"]
        assert economy.on_time_rate == 1
        assert economy.satisfaction_rate is None, "nobody rated it"

    def test_per_officer_month_and_jurisdiction(self) -> None:
        rows = [
            resolved(1, "planning", "u", cst(2026, 4, 3, 9)),
            row(2, submitted_at=cst(2026, 5, 6, 9), steps=1),
        ]
        assert [(p.key, p.cases) for p in performance(rows, "officer")] == [("u", 1)]
        months = performance(rows, "month")
        assert [(p.key, p.cases) for p in months] == [("2026-04", 1), ("2026-05", 1)]
        assert months[1].response_rate == 0, "nobody has acted on May's case"
        (malu,) = performance(rows, "jurisdiction")
        assert (malu.cases, malu.resolution_rate, malu.response_rate) == (2, 0.5, 0.5)


class TestFindings:
    def test_late_without_a_reason_names_the_expiry(self) -> None:
        expiry = (4, "clock_expired:handling", cst(2026, 4, 11))
        late = row(1, trail=[(1, "submit", cst(2026, 4, 1)), expiry])
        answered = row(2, trail=[expiry, (5, "record_delay_reason", cst(2026, 4, 12))])
        (found,) = findings([late, answered])
        assert (found.kind, found.case_id, found.evidence) == (
            "late_without_reason",
            late.case_id,
            (expiry,),
        )
        assert found.zh == "超时未说明理由"

    def test_own_clocks_are_their_own_findings(self) -> None:
        report = (6, "clock_expired:progress_report", cst(2026, 5, 6))
        reply = (9, "clock_expired:written_reply", cst(2026, 5, 20))
        found = findings([row(1, trail=[report, reply])])
        assert {(f.kind, f.evidence) for f in found} == {
            ("missing_progress_report", (report,)),
            ("unsatisfied_unanswered", (reply,)),
        }

    def test_sign_off_needs_a_rating_or_an_approved_internal_sign_off(self) -> None:
        sign = (7, "sign_off", cst(2026, 4, 20))
        bare = row(1, trail=[(6, "resolve", cst(2026, 4, 19)), sign])
        rated = row(2, trail=[(6, "rate", cst(2026, 4, 19)), sign])
        internal = row(3, trail=[(6, "approve_internal_sign_off", cst(2026, 4, 19)), sign])
        (found,) = findings([bare, rated, internal])
        assert (found.kind, found.case_id, found.evidence) == (
            "sign_off_without_rating",
            bare.case_id,
            (sign,),
        )


def test_the_reports_as_files(tmp_path: Path) -> None:
    """``gridcase report`` writes the figures and findings as JSON and XLSX with both headers."""
    from openpyxl import load_workbook
    from tests.test_read_models import BOOK, _history

    from gridcase import ManualClock

    url = f"sqlite:///{tmp_path / 'g.db'}"
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(url, rules=BOOK, clock=clock) as engine:
        cases = _history(engine, clock)
    done = CliRunner().invoke(main, ["report", "findings", "--url", url, "--format", "json"])
    assert done.exit_code == 0, done.output
    late = [f for f in json.loads(done.output) if f["case_id"] == str(cases["late"])]
    assert [f["kind_en"] for f in late] == ["late without a recorded reason"]
    assert "clock_expired:handling" in late[0]["evidence"]
    path = tmp_path / "perf.xlsx"
    done = CliRunner().invoke(
        main,
        [
            "report",
            "performance",
            "--by",
            "unit",
            "--url",
            url,
            "--format",
            "xlsx",
            "--output",
            str(path),
        ],
    )
    assert done.exit_code == 0, done.output
    values = list(load_workbook(path).active.iter_rows(values_only=True))
    assert values[0][:3] == ("维度 (dimension)", "对象 (who or when)", "辖区 (jurisdiction)")
    assert {v[1] for v in values[1:]} == {"planning", "economy"}


def test_malu_progress_reports_due_and_the_year_view(tmp_path: Path) -> None:
    """A Malu case past its handling limit owes a progress report on the first working day
    of May (6 May 2026, after the Labour Day holiday); the year view counts its month."""
    from tests.test_read_models import BOOK, _malu, _submit

    from gridcase import Action, ActOnCase, ManualClock

    url = f"sqlite:///{tmp_path / 'g.db'}"
    clock = ManualClock(cst(2026, 4, 1, 9))
    with AdminEngine(url, rules=BOOK, clock=clock) as engine:
        _malu(engine)
        case = _submit(engine, "s")
        engine.act(
            ActOnCase(case, Action.DISPATCH, "c", "center", "1", payload={"unit": "planning"})
        )
        engine.act(ActOnCase(case, Action.ACCEPT, "u", "unit", "2"))
        clock.set(cst(2026, 4, 20, 9))
        engine.advance()

    def due(on: str) -> list[str]:
        done = CliRunner().invoke(
            main, ["report", "progress-due", "--url", url, "--on", on, "--format", "json"]
        )
        assert done.exit_code == 0, done.output
        return [r["case_id"] for r in json.loads(done.output)]

    assert due("2026-05-05") == []
    assert due("2026-05-06") == [str(case)]
    done = CliRunner().invoke(
        main,
        [
            "report",
            "year",
            "--url",
            url,
            "--jurisdiction",
            "malu",
            "--year",
            "2026",
            "--format",
            "json",
        ],
    )
    assert done.exit_code == 0, done.output
    april, whole = json.loads(done.output)
    assert (april["dimension"], april["key"], april["overdue"]) == ("month", "2026-04", 1)
    assert (whole["dimension"], whole["cases"]) == ("jurisdiction", 1)
    refused = CliRunner().invoke(
        main, ["report", "year", "--url", url, "--jurisdiction", "nowhere", "--year", "2026"]
    )
    assert refused.exit_code == 1
