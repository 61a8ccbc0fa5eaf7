"""Quota arithmetic: calendar-month periods (UTC) and characters as the provider bills them."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time


def period_start(now: datetime) -> date:
    """The first day of the calendar month (UTC) that `now` falls in."""
    return now.astimezone(UTC).date().replace(day=1)


def period_bounds(period: date) -> tuple[datetime, datetime]:
    """[start, reset) of a period, both at 00:00 UTC."""
    start = datetime.combine(period, time(0), tzinfo=UTC)
    if period.month == 12:
        following = date(period.year + 1, 1, 1)
    else:
        following = date(period.year, period.month + 1, 1)
    return start, datetime.combine(following, time(0), tzinfo=UTC)


def billed_chars(text: str | int, cost_factor: float) -> int:
    """Characters as the provider bills them: ceil(len(text) × factor).

    The product is rounded to 9 decimals first, so float noise cannot add a character:
    110 × 1.1 is 121.00000000000001 in binary floating point, and must cost 121, not 122.
    """
    length = text if isinstance(text, int) else len(text)
    if length < 0:
        raise ValueError("a length cannot be negative")
    return math.ceil(round(length * cost_factor, 9))
