"""The issue's acceptance checks, against the bundled rule files of Bijie and Weifang.

On SQLite and PostgreSQL (the ``engine`` and ``roster`` fixtures).
"""

from __future__ import annotations

from datetime import date

import pytest
from tests.builders import EVIDENCE, RosterBuilder
from tests.support import RULES, credit_code, cst, rule_book

from gridcase import RuleBook
from gridcase.application.engine import Engine
from gridcase.kernel.errors import OutOfScope, QuotaExceeded, RefusedByRule

D = date(2026, 1, 5)


@pytest.fixture
def rules() -> RuleBook:
    """The bundled rule files, as the jurisdictions wrote them."""
    return rule_book(RULES)


@pytest.fixture
def jurisdiction() -> str:
    """Bijie (Qixingguan), unless a test says another."""
    return "bijie"


class TestBijie:
    def test_enterprise_in_two_grids_appears_in_both(
        self, engine: Engine, roster: RosterBuilder
    ) -> None:
        """An enterprise in a vertical and a horizontal grid is in both grids' coverage, each with its officer."""
        code = credit_code(1, division="520502")
        roster.person("li", "officer").person("wang", "officer")
        roster.grid("industry", "vertical").grid("town", "horizontal").enterprise(code, D)
        roster.in_grid(code, "industry", D, officer="li").in_grid(code, "town", D, officer="wang")
        roster.visit(code, "li", cst(2026, 2, 4, 10), channel="phone")
        industry = engine.roster.coverage("bijie", "2026-02", "industry")
        town = engine.roster.coverage("bijie", "2026-02", "town")
        assert industry.due == town.due == (code,)
        assert industry.missed == ()
        assert [(m.credit_code, m.responsible) for m in town.missed] == [(code, ("wang",))]

    def test_individual_business_refused_naming_the_rule(self, roster: RosterBuilder) -> None:
        """An individual business (92…) is refused as out of scope, naming the rule and its paragraph."""
        with pytest.raises(OutOfScope) as info:
            roster.enterprise(credit_code(2, prefix="92", division="520502"), D)
        assert info.value.rule.startswith("bijie@")
        assert info.value.rule.endswith("scope.exclude_organisation_types")
        assert "个体工商户" in (info.value.cite or "")

    def test_inspection_refused(self, engine: Engine, roster: RosterBuilder) -> None:
        """A visit recorded as an inspection is refused, naming visits.forbid_inspection."""
        code = credit_code(3, division="520502")
        roster.person("li", "officer").enterprise(code, D)
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
    def test_fifth_enterprise_for_a_department_level_cadre(self, roster: RosterBuilder) -> None:
        """Assigning a fifth enterprise to a department-level cadre is refused, naming the quota."""
        codes = [credit_code(10 + i, division="370700") for i in range(5)]
        weifang = roster.of("weifang").person("ting", "commissioner", rank="department_level")
        weifang.enterprises(*codes, since=D)
        for code in codes[:4]:
            weifang.responsible(code, "ting", on=D)
        with pytest.raises(QuotaExceeded) as info:
            weifang.responsible(codes[4], "ting", on=D)
        assert info.value.rule.startswith("weifang@")
        assert info.value.rule.endswith("roster.quotas.department_level.enterprises")
        assert "4个企业" in (info.value.cite or "")
