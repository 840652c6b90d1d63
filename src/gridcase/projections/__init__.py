"""Read models folded from the event log; each can be rebuilt from position 0 at any time."""

from gridcase.projections.coverage import (
    AnyCoverageReport,
    CoverageReport,
    GridCoverageReport,
    GridMiss,
    Missed,
    MissedGrid,
    Month,
    TeamMember,
    Window,
    compute_coverage,
    compute_grid_coverage,
)
from gridcase.projections.log import Projection, event_topics, topics_of
from gridcase.projections.roster import RosterProjection

__all__ = [
    "AnyCoverageReport",
    "CoverageReport",
    "GridCoverageReport",
    "GridMiss",
    "Missed",
    "MissedGrid",
    "Month",
    "Projection",
    "RosterProjection",
    "TeamMember",
    "Window",
    "compute_coverage",
    "compute_grid_coverage",
    "event_topics",
    "topics_of",
]
