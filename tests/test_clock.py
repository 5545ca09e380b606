"""China time for people: stored UTC datetimes shown as Asia/Shanghai, with or without a tz
database on the host."""

from __future__ import annotations

import datetime as dt
import importlib
import zoneinfo

import pytest

from kaifang import clock

LATE_EVENING_UTC = dt.datetime(2021, 5, 19, 16, 30, tzinfo=dt.UTC)


def test_a_late_utc_evening_is_the_next_morning_in_china() -> None:
    assert clock.local_time(LATE_EVENING_UTC) == "2021-05-20 00:30"
    assert clock.local_time(LATE_EVENING_UTC, "%Y-%m-%d") == "2021-05-20"
    # SQLite hands back naive UTC when read outside the UTCDateTime column type
    assert clock.local_time(LATE_EVENING_UTC.replace(tzinfo=None)) == "2021-05-20 00:30"


def test_dates_and_missing_values_pass_through() -> None:
    assert clock.local_time(dt.date(2021, 5, 19), "%Y-%m-%d") == "2021-05-19"
    assert clock.local_time(None) == ""


def test_without_a_tz_database_the_fixed_offset_gives_the_same_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def missing(name: str) -> zoneinfo.ZoneInfo:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    with monkeypatch.context() as patch:
        patch.setattr(zoneinfo, "ZoneInfo", missing)
        fallback = importlib.reload(clock)
        assert isinstance(fallback.CHINA_TZ, dt.timezone)
        assert fallback.local_time(LATE_EVENING_UTC) == "2021-05-20 00:30"
    importlib.reload(clock)
    assert isinstance(clock.CHINA_TZ, zoneinfo.ZoneInfo)
