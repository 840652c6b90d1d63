"""gridcase: event-sourced case management for grid-based enterprise service (网格化企业服务).

Enterprises raise demands (诉求); officers visit them on a cadence; every matter is
dispatched, accepted or returned, handled against working-day deadlines, escalated,
confirmed and rated by the enterprise, and signed off. Each jurisdiction's handling
path is a declarative rule file; every step is an immutable event.

Embedding in a few lines::

    import gridcase
    from gridcase import Action, ActOnCase, SubmitDemand

    engine = gridcase.open_engine("sqlite:///gridcase.db")   # or postgresql://…
    result = engine.submit(SubmitDemand(jurisdiction="malu", enterprise=code,
                                        category="consultation", title="…",
                                        actor=code, role="enterprise", command_id="…"))
    engine.act(ActOnCase(result.case_id, Action.DISPATCH, "center-1", "center",
                         command_id="…", payload={"unit": "planning"}))

See ``docs/embedding.md``. Everything named in ``__all__`` is the public API; other
modules may change between releases (``CHANGELOG.md`` says what changed for embedders).
"""

import logging

from gridcase.application.engine import (
    AdvanceFailure,
    AdvanceReport,
    CaseSummary,
    Engine,
    open_engine,
)
from gridcase.application.results import CommandResult, RecordedStep
from gridcase.application.roster import Roster
from gridcase.calendar import Deadline, WorkingCalendar, load_calendar, national_calendar
from gridcase.domain.actions import Action, Channel, Satisfaction
from gridcase.domain.case_state import CaseState, OpenClock, Outcome, Owner, Step, Submission
from gridcase.domain.commands import ActOnCase, Actor, SubmitDemand
from gridcase.domain.credit_code import CreditCode, parse_credit_code
from gridcase.domain.enterprise import ScopeEntry, ScopeExit
from gridcase.domain.organisation import OrganisationType
from gridcase.domain.payloads import EvidenceRef
from gridcase.kernel.clock import CST, Clock, ManualClock, SystemClock
from gridcase.kernel.errors import (
    Conflict,
    GridcaseError,
    InvalidCreditCode,
    InvalidInput,
    NotAuthorised,
    NotFound,
    OutOfScope,
    Problem,
    QuotaExceeded,
    RefusedByRule,
    RuleFileError,
    StaleTimestamp,
    StoreBusy,
    StoreConnectionLost,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreReadOnly,
    StoreUnavailable,
    UnknownActor,
    UnknownSchemaVersion,
)
from gridcase.projections.ledger import LedgerRow, ProblemLedger, UnitTurn
from gridcase.projections.performance import Finding, PerformanceRow
from gridcase.projections.runner import ProjectionRunner
from gridcase.projections.tables import Queue
from gridcase.projections.visit_findings import VisitFinding
from gridcase.projections.visit_reads import GridLedgerRow
from gridcase.workflow.loader import RuleBook, load_rules

__version__ = "0.2.0"

# A library logs and never decides where to: silent unless the application configures
# logging (docs/cli.md, "Logging"); this keeps Python's last-resort handler quiet too.
logging.getLogger("gridcase").addHandler(logging.NullHandler())

__all__ = [
    "CST",
    "ActOnCase",
    "Action",
    "Actor",
    "AdvanceFailure",
    "AdvanceReport",
    "CaseState",
    "CaseSummary",
    "Channel",
    "Clock",
    "CommandResult",
    "Conflict",
    "CreditCode",
    "Deadline",
    "Engine",
    "EvidenceRef",
    "Finding",
    "GridLedgerRow",
    "GridcaseError",
    "InvalidCreditCode",
    "InvalidInput",
    "LedgerRow",
    "ManualClock",
    "NotAuthorised",
    "NotFound",
    "OpenClock",
    "OrganisationType",
    "OutOfScope",
    "Outcome",
    "Owner",
    "PerformanceRow",
    "Problem",
    "ProblemLedger",
    "ProjectionRunner",
    "Queue",
    "QuotaExceeded",
    "RecordedStep",
    "RefusedByRule",
    "Roster",
    "RuleBook",
    "RuleFileError",
    "Satisfaction",
    "ScopeEntry",
    "ScopeExit",
    "StaleTimestamp",
    "Step",
    "StoreBusy",
    "StoreConnectionLost",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreReadOnly",
    "StoreUnavailable",
    "Submission",
    "SubmitDemand",
    "SystemClock",
    "UnitTurn",
    "UnknownActor",
    "UnknownSchemaVersion",
    "VisitFinding",
    "WorkingCalendar",
    "__version__",
    "load_calendar",
    "load_rules",
    "national_calendar",
    "open_engine",
    "parse_credit_code",
]
