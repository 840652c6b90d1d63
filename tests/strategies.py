"""Hypothesis strategies shared by the test modules.

Moments are drawn in many timezones (including ones far from China and with daylight
saving time) so that every property also checks that the China date is what counts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from gridcase.kernel.clock import CST

TIMEZONES = (
    CST,
    UTC,
    ZoneInfo("America/New_York"),
    ZoneInfo("Europe/London"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Pacific/Kiritimati"),
    ZoneInfo("Pacific/Pago_Pago"),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=8, minutes=45)),
)
"""From UTC-12 to UTC+14: a moment's date there can differ from its China date."""

timezones = st.sampled_from(TIMEZONES)


def aware_datetimes(first_year: int = 2020, last_year: int = 2026) -> st.SearchStrategy[datetime]:
    """Aware moments whose local date lies in ``first_year``..``last_year``.

    The China date may fall a day outside that span: a moment on 31 December in
    Honolulu-like zones is already 1 January in China.
    """
    return st.datetimes(
        min_value=datetime(first_year, 1, 1),
        max_value=datetime(last_year, 12, 31, 23, 59, 59),
        timezones=timezones,
    )


working_day_counts = st.integers(min_value=1, max_value=400)
"""N for "within N working days": from one day to well over a year."""

short_working_day_counts = st.integers(min_value=1, max_value=30)
"""The limits the jurisdictions actually set (1 to 15 working days), with room."""
