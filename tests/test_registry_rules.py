"""The issue's acceptance checks, against the bundled rule files of Bijie and Weifang."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from tests.roster_support import EVIDENCE, enterprise, grid, person
from tests.support import RULES, credit_code, cst, engine_on

from gridcase.application.engine import Engine
from gridcase.kernel.errors import OutOfScope, QuotaExceeded, RefusedByRule

D = date(2026, 1, 5)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    with engine_on(f"sqlite:///{tmp_path / 't.db'}", cst(2026, 3, 2, 9), rules=RULES) as (e, _):
        yield e


class TestBijie:
    def test_enterprise_in_two_grids_appears_in_both(self, engine: Engine) -> None:
        """An enterprise in a vertical and a horizontal grid is in both grids' coverage, each with its officer."""
        person(engine, "bijie", "li", ["officer"])
        person(engine, "bijie", "wang", ["officer"])
        grid(engine, "bijie", "industry", "vertical")
        grid(engine, "bijie", "town", "horizontal")
        code = credit_code(1, division="520502")
        enterprise(engine, "bijie", code, D)
        for g, officer in (("industry", "li"), ("town", "wang")):
            engine.roster.assign_grid(
                jurisdiction="bijie", credit_code=code, grid_id=g, on=D, command_id=f"g{g}"
            )
            engine.roster.assign_responsible(
                jurisdiction="bijie",
                credit_code=code,
                person_id=officer,
                grid=g,
                on=D,
                command_id=f"r{g}",
            )
        engine.roster.record_visit(
            jurisdiction="bijie",
            enterprise=code,
            visitor="li",
            visited_at=cst(2026, 2, 4, 10),
            channel="phone",
            evidence=[EVIDENCE],
            command_id="v",
        )
        industry = engine.roster.coverage("bijie", "2026-02", "industry")
        town = engine.roster.coverage("bijie", "2026-02", "town")
        assert industry.due == town.due == (code,)
        assert industry.missed == ()
        assert [(m.credit_code, m.responsible) for m in town.missed] == [(code, ("wang",))]

    def test_individual_business_refused_naming_the_rule(self, engine: Engine) -> None:
        """An individual business (92…) is refused as out of scope, naming the rule and its paragraph."""
        with pytest.raises(OutOfScope) as info:
            enterprise(engine, "bijie", credit_code(2, prefix="92", division="520502"), D)
        assert info.value.rule.startswith("bijie@")
        assert info.value.rule.endswith("scope.exclude_organisation_types")
        assert "个体工商户" in (info.value.cite or "")

    def test_inspection_refused(self, engine: Engine) -> None:
        """A visit recorded as an inspection is refused, naming visits.forbid_inspection."""
        person(engine, "bijie", "li", ["officer"])
        code = credit_code(3, division="520502")
        enterprise(engine, "bijie", code, D)
        with pytest.raises(RefusedByRule) as info:
            engine.roster.record_visit(
                jurisdiction="bijie",
                enterprise=code,
                visitor="li",
                visited_at=cst(2026, 2, 4, 10),
                channel="on_site",
                purpose="inspection",
                evidence=[EVIDENCE],
                command_id="v",
            )
        assert info.value.rule.endswith("visits.forbid_inspection")


class TestWeifang:
    def test_fifth_enterprise_for_a_department_level_cadre(self, engine: Engine) -> None:
        """Assigning a fifth enterprise to a department-level cadre is refused, naming the quota."""
        person(engine, "weifang", "ting", ["commissioner"], rank="department_level")
        for i in range(5):
            enterprise(engine, "weifang", credit_code(10 + i, division="370700"), D)
        for i in range(4):
            engine.roster.assign_responsible(
                jurisdiction="weifang",
                credit_code=credit_code(10 + i, division="370700"),
                person_id="ting",
                on=D,
                command_id=f"r{i}",
            )
        with pytest.raises(QuotaExceeded) as info:
            engine.roster.assign_responsible(
                jurisdiction="weifang",
                credit_code=credit_code(14, division="370700"),
                person_id="ting",
                on=D,
                command_id="r4",
            )
        assert info.value.rule.startswith("weifang@")
        assert info.value.rule.endswith("roster.quotas.department_level.enterprises")
        assert "4个企业" in (info.value.cite or "")
