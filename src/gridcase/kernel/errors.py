"""The errors gridcase raises, as one small typed hierarchy.

An embedding portal needs to tell four situations apart without parsing messages:
the input itself is malformed (fix the request), the rules forbid the step (tell the
user why, citing the rule), the actor may not do it (deny), or another writer got there
first (reload and retry). Every error carries structured fields next to its message so
that a portal can render them, and no error is raised after anything was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Conflict",
    "GridcaseError",
    "InvalidCreditCode",
    "InvalidInput",
    "LateEntry",
    "NotAuthorised",
    "NotFound",
    "OutOfScope",
    "Problem",
    "QuotaExceeded",
    "RecordIntegrityError",
    "RefusedByRule",
    "RuleFileError",
    "StaleTimestamp",
    "StoreBusy",
    "StoreConnectionLost",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreReadOnly",
    "StoreUnavailable",
    "UnknownActor",
    "UnknownSchemaVersion",
]


class GridcaseError(Exception):
    """Base of every error gridcase raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its message and its fields, not by calling ``__init__`` again.

        The errors take their fields as keyword arguments, which ``Exception``'s own
        pickling does not pass back: a refusal raised in a worker process (a pool of
        writers) could not even reach the parent, which failed unpickling it instead.
        """
        return (_restored, (type(self), self.args, dict(vars(self))))


def _restored(cls: type[GridcaseError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args
    vars(error).update(state)
    return error


class InvalidInput(GridcaseError, ValueError):
    """A value given to gridcase is malformed: fix the request and send it again.

    ``field`` names the offending input where there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidCreditCode(InvalidInput):
    """A unified social credit code (统一社会信用代码) fails GB 32100-2015."""

    def __init__(self, code: str, problem: str) -> None:
        super().__init__(
            f"invalid unified social credit code {code!r}: {problem}", field="credit_code"
        )
        self.code = code
        self.problem = problem


class StaleTimestamp(InvalidInput):
    """A command is dated before the last event of what it acts on.

    History is append-only and in time order; a late-arriving command must be
    re-dated by its sender, never slotted into the past.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, field="at")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a rule or calendar file, located as precisely as we can."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        path = f" [{self.path}]" if self.path else ""
        return f"{where}:{path} {self.message}"


class RuleFileError(GridcaseError):
    """A rule or calendar file was refused on load; ``problems`` lists every finding."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in rule file:\n{lines}")


class RefusedByRule(GridcaseError):
    """The jurisdiction's rules forbid this step now.

    ``rule`` names the rule (for instance ``malu:transition dispatch``) and ``cite``
    the paragraph of the source document it encodes, so the refusal can be shown to an
    official as "the rules say".
    """

    def __init__(self, message: str, *, rule: str, cite: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule
        self.cite = cite


class LateEntry(RefusedByRule):
    """A step dated further behind the engine's clock than the rules tolerate, with no reason.

    Send it again with ``late_reason`` saying why it is recorded late; it is then
    recorded as late, and the clocks that ran out before it was recorded stand as missed.
    """


class OutOfScope(RefusedByRule):
    """The enterprise is outside the jurisdiction's scope (for example an individual business in Bijie)."""


class QuotaExceeded(RefusedByRule):
    """An assignment would exceed a person's quota (for example Weifang's commissioners)."""


class NotAuthorised(GridcaseError):
    """The actor may not perform this command (wrong role, not the owner, not the enterprise).

    ``rule`` and ``cite`` name the rule that denies it where one does (a rung of the
    ladder, a grid's scope); where none grants it the refusal is deny-by-default.
    """

    def __init__(
        self,
        message: str,
        *,
        actor: str,
        role: str | None = None,
        rule: str | None = None,
        cite: str | None = None,
    ) -> None:
        super().__init__(message)
        self.actor = actor
        self.role = role
        self.rule = rule
        self.cite = cite


class UnknownActor(NotAuthorised):
    """The actor is not in the roster: deny by default."""


class Conflict(GridcaseError):
    """Another writer changed the same record first; nothing of this command was written.

    Reload and decide again. ``collided`` names what the other writer recorded first
    (``Case <id>``, ``command <id>``), where the store could tell.
    """

    def __init__(self, message: str, *, collided: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.collided = tuple(collided)


class NotFound(GridcaseError, LookupError):
    """The case, enterprise, person or rule set does not exist."""


class RecordIntegrityError(GridcaseError):
    """The stored records are not what gridcase wrote: an event was changed, removed,
    inserted or reordered behind its back, or a case's history has a gap.

    Never a refusal of the request: the store itself needs an auditor. ``gridcase verify``
    names the first broken position and what is wrong there.
    """


class StoreError(GridcaseError):
    """The store cannot do what was asked of it, for a reason outside the request.

    ``url`` is the store as displayed (no password) and ``source`` where that URL came
    from (``argument``, ``GRIDCASE_URL`` or ``default``), so that a message can say which
    setting to fix. Nothing of the command was written.
    """

    def __init__(self, message: str, *, url: str, source: str = "argument") -> None:
        super().__init__(message)
        self.url = url
        self.source = source


class StoreUnavailable(StoreError):
    """There is no store at the URL, or its server cannot be reached in time."""


class StoreConnectionLost(StoreUnavailable):
    """The connection to the store broke off mid-command.

    The engine runs a command again a bounded number of times when this happens (a
    command is idempotent by its id); this error is what is left after the last try.
    """


class StoreBusy(StoreError):
    """Another writer held the store locked for longer than the configured wait.

    ``waited`` is that wait in seconds; try again shortly, or raise the wait
    (``?lock_timeout=SECONDS`` in the URL).
    """

    def __init__(self, message: str, *, url: str, source: str = "argument", waited: float) -> None:
        super().__init__(message, url=url, source=source)
        self.waited = waited


class StoreFull(StoreError):
    """The disk (or the database's quota) holding the store is full."""


class StoreReadOnly(StoreError):
    """The store can be read but not written (read-only file, medium or database)."""


class StoreCorrupt(StoreError):
    """The file or schema at the URL is not a readable gridcase store."""


class UnknownSchemaVersion(StoreError):
    """The store was written by a newer gridcase (its schema version is unknown here)."""

    def __init__(self, message: str, *, url: str, source: str = "argument", version: str) -> None:
        super().__init__(message, url=url, source=source)
        self.version = version
