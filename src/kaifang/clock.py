"""China time (Asia/Shanghai) for showing stored UTC datetimes to people.

Datetimes are stored in UTC (``kaifang.db.UTCDateTime``); pages, exports and timelines show
them in China time. The zone comes from the operating system's tz database through
``zoneinfo`` (Debian ships /usr/share/zoneinfo), so the ``tzdata`` wheel is not needed.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

CHINA_ZONE_NAME = "Asia/Shanghai"
DEFAULT_FORMAT = "%Y-%m-%d %H:%M"


def _china_zone() -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(CHINA_ZONE_NAME)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        # No tz database on this host (and no tzdata wheel, which works offline only when
        # installed). China has kept UTC+8 without daylight saving since 1991, so a fixed
        # offset shows every date this platform stores correctly.
        return dt.timezone(dt.timedelta(hours=8), CHINA_ZONE_NAME)


CHINA_TZ = _china_zone()


def china_today() -> dt.date:
    """Today's date in China (the day plans, deadlines and statistics count in)."""
    return dt.datetime.now(CHINA_TZ).date()


def to_china(value: dt.datetime) -> dt.datetime:
    """The moment in China time; a naive datetime is taken as UTC (how SQLite stores it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(CHINA_TZ)


def local_time(value: dt.datetime | dt.date | None, fmt: str = DEFAULT_FORMAT) -> str:
    """A stored datetime as China time text ("2021-05-20 00:30"); a plain date is formatted
    as it is, and None gives "" so templates can print optional times directly."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return to_china(value).strftime(fmt)
    return value.strftime(fmt)
