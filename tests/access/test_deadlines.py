"""Working days on the official calendar: holidays, adjusted working days, concrete due dates."""

from __future__ import annotations

import datetime as dt

import pytest

from kaifang.access.deadlines import (
    accept_due_for,
    add_working_days,
    calendar_covers,
    china_date,
    decision_due_for,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2021, 2, 7), True),  # Sunday worked before the Spring Festival (调休)
        (D(2021, 2, 11), False),
        (D(2021, 2, 17), False),
        (D(2021, 2, 18), True),
        (D(2021, 2, 20), True),  # Saturday worked after the Spring Festival
        (D(2021, 9, 26), True),  # Sunday worked before National Day
        (D(2021, 10, 1), False),
        (D(2021, 10, 7), False),
        (D(2021, 10, 9), True),  # Saturday worked after National Day
        (D(2021, 10, 10), False),
    ],
)
def test_official_calendar(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday before the Spring Festival: Sun 7th, 8th, 9th, 10th, then holidays to the 17th.
        (D(2021, 2, 5), 5, D(2021, 2, 18)),
        # Counting through the adjusted Saturday 20 February.
        (D(2021, 2, 5), 15, D(2021, 3, 3)),
        (D(2021, 2, 10), 1, D(2021, 2, 18)),
        # Across the Mid-Autumn/National Day stretch: Sun 26 Sept counts, 1-7 Oct do not.
        (D(2021, 9, 24), 5, D(2021, 9, 30)),
        (D(2021, 9, 29), 5, D(2021, 10, 12)),
        (D(2021, 9, 30), 2, D(2021, 10, 9)),
        (D(2021, 10, 1), 1, D(2021, 10, 8)),
        (D(2021, 3, 1), 0, D(2021, 3, 1)),
    ],
)
def test_add_working_days(start: dt.date, days: int, due: dt.date) -> None:
    assert add_working_days(start, days) == due


def test_working_days_between_counts_only_working_days_after_start() -> None:
    assert working_days_between(D(2021, 2, 5), D(2021, 2, 18)) == 5
    assert working_days_between(D(2021, 9, 30), D(2021, 10, 8)) == 1
    assert working_days_between(D(2021, 10, 8), D(2021, 10, 8)) == 0
    assert working_days_between(D(2021, 10, 9), D(2021, 10, 8)) == 0


def test_due_dates_use_china_local_day() -> None:
    # 17:00 UTC on 5 Feb is already 6 Feb (Saturday, a holiday) in China.
    late = dt.datetime(2021, 2, 5, 17, 0, tzinfo=dt.UTC)
    assert china_date(late) == D(2021, 2, 6)
    assert accept_due_for(late) == D(2021, 2, 18)
    assert decision_due_for(dt.datetime(2021, 9, 29, 2, 0, tzinfo=dt.UTC), 5) == D(2021, 10, 12)


def test_years_beyond_the_tables_fall_back_to_weekdays() -> None:
    far = D(2099, 1, 5)  # a Monday
    assert not calendar_covers(far)
    assert is_working_day(far)
    assert not is_working_day(D(2099, 1, 4))
    with pytest.raises(ValueError):
        add_working_days(far, -1)
