"""Read models folded from the event log; each can be rebuilt from position 0 at any time."""

from gridcase.projections.coverage import CoverageReport, Missed, Month, Window, compute_coverage
from gridcase.projections.log import Projection, event_topics, read_log, topics_of
from gridcase.projections.roster import RosterProjection

__all__ = [
    "CoverageReport",
    "Missed",
    "Month",
    "Projection",
    "RosterProjection",
    "Window",
    "compute_coverage",
    "event_topics",
    "read_log",
    "topics_of",
]
