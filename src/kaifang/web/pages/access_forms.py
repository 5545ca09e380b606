"""The application and grant forms: what they post and how it becomes the access schemas."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData, UploadFile

from kaifang.access.deadlines import CHINA_TZ, china_date
from kaifang.access.models import Application, Grant
from kaifang.access.queries import ItemChoice
from kaifang.access.schemas import ApplicationIn, ApplicationPatch, GrantTermsIn, RequestedItems
from kaifang.errors import DomainError, InvalidInput

GENERAL = "__all__"
TEXT_FIELDS = ("purpose", "scenario", "expected_results", "target_system", "security_measures")
MAX_FILES = 10


class ApplicationForm(BaseModel):
    """The applicant's form; ``items`` are ``dataset_id:item_name`` checkbox values."""

    items: list[str] = Field(default_factory=list, max_length=200)
    purpose: str = Field(default="", max_length=5000)
    scenario: str = Field(default="", max_length=5000)
    expected_results: str = Field(default="", max_length=5000)
    target_system: str = Field(default="", max_length=300)
    channel: str = Field(default="api", max_length=20)
    period_from: str = Field(default="", max_length=10)
    period_until: str = Field(default="", max_length=10)
    security_measures: str = Field(default="", max_length=5000)
    agreement_id: str = Field(default="", max_length=12)
    action: str = Field(default="save", max_length=10)

    @property
    def submitting(self) -> bool:
        return self.action == "submit"

    def chosen(self) -> set[str]:
        return set(self.items)


def read_application_form(form: FormData) -> ApplicationForm:
    """The posted fields (unknown ones ignored); raises ValidationError for oversize values."""
    values: dict[str, Any] = {
        k: str(form.get(k) or "") for k in ApplicationForm.model_fields if k != "items"
    }
    values["items"] = [str(v) for v in form.getlist("items")]
    return ApplicationForm(**values)


def form_from_application(app: Application) -> ApplicationForm:
    """The form pre-filled with an application's current values."""
    values: dict[str, Any] = {f: getattr(app, f) or "" for f in TEXT_FIELDS}
    return ApplicationForm(
        **values,
        items=[f"{i.dataset_id}:{i.item_name}" for i in app.items],
        channel=app.channel,
        period_from=app.period_from.isoformat() if app.period_from else "",
        period_until=app.period_until.isoformat() if app.period_until else "",
        agreement_id=str(app.agreement_id or ""),
    )


def _requested(form: ApplicationForm) -> list[RequestedItems]:
    by_dataset: dict[int, list[str]] = defaultdict(list)
    for value in form.items:
        dataset_id, _, name = value.partition(":")
        if dataset_id.isdigit() and name:
            by_dataset[int(dataset_id)].append(name)
    if not by_dataset:
        raise InvalidInput(
            "请至少选择一个数据项 (choose at least one item)", details={"field": "items"}
        )
    return [RequestedItems(dataset_id=d, items=names) for d, names in by_dataset.items()]


def _fields(form: ApplicationForm) -> dict[str, Any]:
    fields: dict[str, Any] = {f: getattr(form, f) for f in TEXT_FIELDS}
    fields |= {
        "datasets": _requested(form),
        "channel": form.channel or "api",
        "period_from": form.period_from or None,
        "period_until": form.period_until or None,
        "agreement_id": int(form.agreement_id) if form.agreement_id.isdigit() else None,
    }
    return fields


def to_application_in(form: ApplicationForm) -> ApplicationIn:
    """A new draft from the form; raises ValidationError or InvalidInput."""
    return ApplicationIn(**_fields(form))


def to_application_patch(form: ApplicationForm) -> ApplicationPatch:
    """Every field of the form as an edit (the form always shows them all)."""
    return ApplicationPatch(**_fields(form))


def uploads(form: FormData) -> list[UploadFile]:
    """The attachments chosen in the form (empty file inputs post a nameless part)."""
    files = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
    if len(files) > MAX_FILES:
        raise InvalidInput(
            f"一次最多上传 {MAX_FILES} 个附件 (too many files)", details={"field": "files"}
        )
    return files


# --- the grant form ------------------------------------------------------------------------------


def _day(value: str, end: bool) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD (date expected)", details={"field": "valid"}
        ) from None
    moment = dt.time(23, 59, 59) if end else dt.time()
    return dt.datetime.combine(day, moment, CHINA_TZ)


def _number(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


def read_grant_terms(form: FormData, dataset_id: int, items: list[str]) -> GrantTermsIn:
    """One dataset's terms from fields named ``g<dataset>-<field>``; raises ValidationError."""
    prefix = f"g{dataset_id}-"

    def text(name: str) -> str:
        return str(form.get(prefix + name) or "").strip()

    chosen = [str(v) for v in form.getlist(prefix + "items")]
    masking = {name: text(f"mask-{name}") for name in chosen if text(f"mask-{name}")}
    return GrantTermsIn(
        dataset_id=dataset_id,
        items=[i for i in items if i in chosen],
        row_filter=text("row_filter"),
        channels=[str(v) for v in form.getlist(prefix + "channels")] or None,  # type: ignore[misc]
        masking=masking,
        calls_per_day=_number(text("calls_per_day")),
        rows_per_day=_number(text("rows_per_day")),
        valid_from=_day(text("valid_from"), end=False),
        valid_until=_day(text("valid_until"), end=True),
        report_interval_days=_number(text("report_interval_days")) or 90,
    )


def grant_defaults(app: Application, choices: list[ItemChoice]) -> dict[int, dict[str, Any]]:
    """What the grant form proposes per dataset: everything as asked, catalogue masking rules."""
    out: dict[int, dict[str, Any]] = {}
    for choice in choices:
        entry = out.setdefault(
            choice.dataset_id,
            {"title": choice.dataset_title, "items": [], "channel": app.channel},
        )
        entry["items"].append(choice)
    return out


def grant_summary(grant: Grant) -> dict[str, Any]:
    """The figures a grant list shows."""
    return {
        "items": "、".join(grant.items),
        "channels": ", ".join(grant.channels),
        # Validity is shown as China-local days, the days the grant form asked for.
        "valid": f"{china_date(grant.valid_from)} — {china_date(grant.valid_until)}",
    }


def error_messages(exc: ValidationError | DomainError) -> dict[str, str]:
    """Field → message for a malformed form or a service refusal."""
    if isinstance(exc, DomainError):
        details = exc.details if isinstance(exc.details, dict) else {}
        field = str(details.get("field") or GENERAL)
        return {field: exc.message} | ({GENERAL: exc.message} if field != GENERAL else {})
    errors: dict[str, str] = {}
    for problem in exc.errors():
        loc = [str(p) for p in problem.get("loc", ())]
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        errors.setdefault(loc[0] if loc else GENERAL, message)
    errors.setdefault(GENERAL, "; ".join(f"{k}: {v}" for k, v in errors.items()))
    return errors
