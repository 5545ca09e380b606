"""The harvest workbench: sources, their runs and run reports, with a "run now" button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from kaifang.auth import service as auth_service
from kaifang.auth.actor import Actor
from kaifang.auth.policy import can
from kaifang.errors import Conflict, InvalidInput, NotFound
from kaifang.interop.harvest import service
from kaifang.interop.harvest.models import SCHEDULES, SOURCE_KINDS
from kaifang.interop.harvest.schemas import SourceFilters, SourceIn, SourcePatch
from kaifang.web.deps import get_runtime, signed_in_policy
from kaifang.web.pages.guards import error_status, redirect, require_role
from kaifang.web.templating import render

router = APIRouter(include_in_schema=False)

HARVEST_ROLES = ("admin", "reviewer", "auditor")
HOME = "/workbench/harvest"
NOTICES = {
    "created": "The harvest source was registered.",
    "started": "The run was queued; refresh to follow it.",
    "enabled": "The source is enabled.",
    "disabled": "The source is disabled.",
}
KIND_MSGIDS = {"ckan": "CKAN Action API", "dcat": "DCAT catalogue (Turtle, JSON-LD or RDF/XML)"}
SCHEDULE_MSGIDS = {"manual": "Manual only", "daily": "Daily", "weekly": "Weekly"}
RUN_STATUS_MSGIDS = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
}
ACTION_MSGIDS = {
    "created": "Created",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "deleted": "Deleted",
    "failed": "Failed",
}


class SourceForm(BaseModel):
    """What the register-a-source form posts."""

    name: str = Field(default="", max_length=100)
    kind: str = Field(default="ckan", max_length=10)
    url: str = Field(default="", max_length=2000)
    organization_id: str = Field(default="", max_length=20)
    schedule: str = Field(default="manual", max_length=10)
    fq: str = Field(default="", max_length=1000)
    match_publishers: bool = False


@router.get(HOME)
def harvest_page(request: Request, actor: Actor = signed_in_policy("harvest.read")) -> Response:
    """Sources of the actor's region, their latest runs, and the form to register one."""
    require_role(actor, HARVEST_ROLES, "harvest.read")
    notice = NOTICES.get(request.query_params.get("done", ""))
    return _render(request, actor, SourceForm(), "", notice=notice)


def _render(
    request: Request,
    actor: Actor,
    form: SourceForm,
    error: str,
    *,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    with get_runtime(request).db.unit_of_work(write=False) as session:
        sources = service.list_sources(session, actor=actor)
        orgs = auth_service.list_organizations(session, region_prefix=actor.region_scope or None)
        context: dict[str, Any] = {
            "sources": sources,
            "runs": service.list_runs(session, actor=actor, limit=30),
            "names": {s.id: s.name for s in sources},
            "organizations": {o.id: o.name for o in orgs},
            "can_manage": actor.role in ("admin", "reviewer"),
            "kinds": SOURCE_KINDS,
            "schedules": SCHEDULES,
            "form": form,
            "error": error,
            "notice": notice,
            **_labels(),
        }
        return render(request, "workbench/harvest.html", context, status_code=status_code)


def _labels() -> dict[str, Any]:
    return {
        "kind_msgids": KIND_MSGIDS,
        "schedule_msgids": SCHEDULE_MSGIDS,
        "run_status_msgids": RUN_STATUS_MSGIDS,
        "action_msgids": ACTION_MSGIDS,
    }


def _source_in(form: SourceForm) -> SourceIn:
    return SourceIn(
        name=form.name,
        kind=form.kind,  # type: ignore[arg-type]
        url=form.url,
        organization_id=int(form.organization_id) if form.organization_id.isdigit() else 0,
        schedule=form.schedule,  # type: ignore[arg-type]
        filters=SourceFilters(fq=form.fq.strip(), match_publishers=form.match_publishers),
    )


@router.post(f"{HOME}/sources")
def create_source(
    request: Request,
    form: Annotated[SourceForm, Form()],
    actor: Actor = signed_in_policy("harvest.manage"),
) -> Response:
    """Register a source; the form is shown again with the reason when it is refused."""
    require_role(actor, ("admin", "reviewer"), "harvest.manage")
    try:
        data = _source_in(form)
        with get_runtime(request).db.unit_of_work() as session:
            service.create_source(session, actor=actor, data=data)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][-1]) for e in exc.errors() if e.get("loc"))
        return _render(
            request,
            actor,
            form,
            f"请检查这些字段 (please check these fields): {fields}",
            status_code=422,
        )
    except (Conflict, InvalidInput, NotFound) as exc:
        return _render(request, actor, form, exc.message, status_code=error_status(exc))
    return redirect(HOME, done="created")


@router.post(HOME + "/sources/{source_id}/run")
def run_now(
    source_id: int, request: Request, actor: Actor = signed_in_policy("harvest.run")
) -> Response:
    """Queue a run now, then come back to the list (the run shows as queued or running)."""
    require_role(actor, ("admin", "reviewer"), "harvest.run")
    try:
        with get_runtime(request).db.unit_of_work() as session:
            service.start_run(session, actor=actor, source_id=source_id)
    except Conflict as exc:
        return _render(request, actor, SourceForm(), exc.message, status_code=409)
    return redirect(HOME, done="started")


@router.post(HOME + "/sources/{source_id}/enabled")
def set_enabled(
    source_id: int,
    request: Request,
    enabled: Annotated[str, Form()] = "",
    actor: Actor = signed_in_policy("harvest.manage"),
) -> Response:
    """Enable or disable a source (a disabled source is neither scheduled nor run)."""
    require_role(actor, ("admin", "reviewer"), "harvest.manage")
    patch = SourcePatch(enabled=enabled == "1")
    with get_runtime(request).db.unit_of_work() as session:
        service.update_source(session, actor=actor, source_id=source_id, patch=patch)
    return redirect(HOME, done="enabled" if patch.enabled else "disabled")


@router.get(HOME + "/runs/{run_id}")
def run_page(
    run_id: int, request: Request, actor: Actor = signed_in_policy("harvest.read")
) -> Response:
    """One run: counts, the failure reason if any, and what happened to each record."""
    require_role(actor, HARVEST_ROLES, "harvest.read")
    with get_runtime(request).db.unit_of_work(write=False) as session:
        run = service.get_run(session, actor=actor, run_id=run_id)
        source = service.get_source(session, actor=actor, ref=str(run.source_id))
        context = {
            "run": run,
            "source": source,
            "can_run": can(actor, "harvest.run", service.target_of(source)),
            **_labels(),
        }
        return render(request, "workbench/harvest_run.html", context)
