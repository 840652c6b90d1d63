"""A refusal raised in a worker process reaches the parent whole.

Portals and loaders run commands in pools of processes, which pickle what a worker
raises. gridcase's errors carry their fields as keyword arguments (the rule that
refused, the actor, the store and how long it waited), which ``Exception``'s own
pickling does not give back: unpickling ``StoreBusy`` failed in the parent, and the
pool's result thread died with it. Every error must come back equal in type, message
and fields.
"""

from __future__ import annotations

import pickle
from typing import TypeVar

from gridcase.kernel.errors import (
    Conflict,
    InvalidCreditCode,
    InvalidInput,
    NotAuthorised,
    RefusedByRule,
    StoreBusy,
    UnknownSchemaVersion,
)

E = TypeVar("E", bound=Exception)


def round_trip(error: E) -> E:
    back: E = pickle.loads(pickle.dumps(error))
    return back


def test_a_store_busy_error_comes_back_with_its_store_and_wait() -> None:
    error = StoreBusy("store x: locked", url="sqlite:///x.db", source="GRIDCASE_URL", waited=10.0)
    back = round_trip(error)
    assert type(back) is StoreBusy
    assert str(back) == "store x: locked"
    assert (back.url, back.source, back.waited) == ("sqlite:///x.db", "GRIDCASE_URL", 10.0)


def test_refusals_come_back_with_the_rule_and_the_field() -> None:
    rule = round_trip(RefusedByRule("no", rule="malu:transition dispatch", cite="六(一)"))
    assert isinstance(rule, RefusedByRule)
    assert (rule.rule, rule.cite) == ("malu:transition dispatch", "六(一)")
    invalid = round_trip(InvalidInput("bad", field="payload.unit"))
    assert isinstance(invalid, InvalidInput)
    assert invalid.field == "payload.unit"
    code = round_trip(InvalidCreditCode("123", "must be 18 characters"))
    assert isinstance(code, InvalidCreditCode)
    assert str(code) == str(InvalidCreditCode("123", "must be 18 characters"))


def test_every_other_error_keeps_its_fields() -> None:
    for error in (
        Conflict("raced", collided=("Case 1",)),
        UnknownSchemaVersion("newer", url="u", version="9"),
        NotAuthorised("no", actor="wang", role="center", rule="malu roster"),
    ):
        back = round_trip(error)
        assert type(back) is type(error)
        assert str(back) == str(error)
        assert vars(back) == vars(error)
