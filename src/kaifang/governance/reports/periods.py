"""Report periods: a calendar month ("2021-06") or quarter ("2021-Q2")."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from kaifang.errors import InvalidInput

PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter with its first and last day."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label


def parse_period(text: str) -> Period:
    """ "2021-06" (month) or "2021-Q2" (quarter); InvalidInput otherwise."""
    match = PERIOD.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"期间「{text}」格式应为 2021-06 或 2021-Q2 (period must look like 2021-06 or 2021-Q2)",
            details={"field": "period"},
        )
    year = int(match.group(1))
    first, last = (
        (int(match.group(2)),) * 2
        if match.group(2)
        else (3 * int(match.group(3)) - 2, 3 * int(match.group(3)))
    )
    end = dt.date(year, last, calendar.monthrange(year, last)[1])
    return Period(text.strip(), dt.date(year, first, 1), end)


def periods_ended_before(today: dt.date) -> list[Period]:
    """The month that ended before ``today`` and, in a quarter's first month, the quarter too."""
    last_day = today.replace(day=1) - dt.timedelta(days=1)
    due = [parse_period(f"{last_day.year}-{last_day.month:02d}")]
    if last_day.month % 3 == 0:
        due.append(parse_period(f"{last_day.year}-Q{last_day.month // 3}"))
    return due
