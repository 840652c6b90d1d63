"""The roster view knows which units are staffed without scanning every person.

A dispatch to a unit nobody active belongs to is refused (nobody could accept the
matter); Weifang's roster holds some 15,000 people, so the view keeps a count of active
people per unit, changed by every registration, change of roles and units, and
deactivation. Over random roster histories the count says what a scan of every person
says.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.support import RULES, AdminEngine, cst, rule_book

from gridcase import GridcaseError, ManualClock

UNITS = ["planning", "economy", "tax"]
PEOPLE = ["p0", "p1", "p2", "p3"]

register = st.tuples(
    st.just("register"), st.sampled_from(PEOPLE), st.lists(st.sampled_from(UNITS), max_size=2)
)
change = st.tuples(
    st.just("change"), st.sampled_from(PEOPLE), st.lists(st.sampled_from(UNITS), max_size=2)
)
deactivate: st.SearchStrategy[tuple[str, str, list[str]]] = st.tuples(
    st.just("deactivate"), st.sampled_from(PEOPLE), st.just([])
)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(register, change, deactivate), max_size=12))
def test_staffed_units_are_what_a_scan_of_every_person_says(
    steps: list[tuple[str, str, list[str]]],
) -> None:
    with AdminEngine(
        "sqlite:///:memory:", rules=rule_book(RULES), clock=ManualClock(cst(2026, 3, 2, 9))
    ) as engine:
        roster = engine.roster
        for n, (what, person, units) in enumerate(steps):
            try:
                if what == "register":
                    roster.register_person(
                        jurisdiction="malu",
                        person_id=person,
                        name=person,
                        roles=["unit"],
                        units=units,
                        command_id=f"c{n}",
                    )
                elif what == "change":
                    roster.change_person(
                        jurisdiction="malu",
                        person_id=person,
                        roles=["unit"],
                        units=units,
                        reason="轮岗",
                        command_id=f"c{n}",
                    )
                else:
                    roster.deactivate_person(
                        jurisdiction="malu", person_id=person, reason="调离", command_id=f"c{n}"
                    )
            except GridcaseError:  # an unknown or already registered person: nothing written
                pass
        view = roster.view()
        for unit in UNITS:
            scanned = any(p.active and unit in p.units for p in view.people("malu").values())
            assert view.staffed("malu", unit) == scanned
