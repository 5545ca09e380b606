"""The access domain's tunable rules (deadlines, reminders, review chain, key rate), from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from kaifang.config import Settings


@dataclass(frozen=True)
class AccessRules:
    """Deadline, reminder, report and rate figures that Settings name ``access_*``."""

    accept_working_days: int
    decide_working_days: int
    remind_within_working_days: int
    report_remind_days: int
    report_grace_days: int
    review_chain: tuple[str, ...]
    key_requests_per_minute: int

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessRules:
        return cls(
            accept_working_days=settings.access_accept_working_days,
            decide_working_days=settings.access_decide_working_days,
            remind_within_working_days=settings.access_remind_within_working_days,
            report_remind_days=settings.access_report_remind_days,
            report_grace_days=settings.access_report_grace_days,
            review_chain=tuple(settings.access_review_chain.split(",")),
            key_requests_per_minute=settings.rate_limit_key_per_minute,
        )


# The review chains an organization may choose, by the name stored on it and its applications.
CHAIN_NAMES: dict[str, tuple[str, ...]] = {
    "provider,bureau": ("provider", "bureau"),
    "provider": ("provider",),
}


def chain_named(name: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """The chain stored as ``name`` (an organization's or an application's), else ``default``."""
    return CHAIN_NAMES.get(name or "", default)


# The Settings defaults, without reading the environment (model_construct skips it), so that
# service functions called without explicit figures (tests, scripts) follow the documented ones.
DEFAULT_RULES = AccessRules.from_settings(Settings.model_construct())
