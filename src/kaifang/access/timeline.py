"""An application's timeline: every step with actor, time and comment, and its HTML export."""

from __future__ import annotations

import html
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kaifang.access.models import Application, ApplicationEvent
from kaifang.auth.actor import Actor
from kaifang.clock import local_time

ACTION_LABELS = {
    "create": "创建草稿 (draft created)",
    "edit": "修改 (edited)",
    "submit": "提交申请 (submitted)",
    "accept": "受理 (accepted)",
    "return": "退回补正 (returned for correction)",
    "review": "初审意见 (provider review)",
    "approve": "批准 (approved)",
    "reject": "不予批准 (rejected)",
    "withdraw": "撤回 (withdrawn)",
    "activate": "授权生效 (grant active)",
    "expire": "授权到期 (expired)",
    "revoke": "撤销授权 (revoked)",
    "suspend": "暂停授权 (suspended)",
    "reinstate": "恢复授权 (reinstated)",
    "report": "提交利用报告 (usage report)",
    "attach": "上传附件 (attachment)",
    "escalate": "逾期督办 (escalated)",
    "renew": "续期申请 (renewal)",
}


def add_event(
    session: Session,
    app: Application,
    *,
    action: str,
    actor: Actor,
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
) -> ApplicationEvent:
    """Append one step to the timeline in the caller's transaction."""
    event = ApplicationEvent(
        application_id=app.id,
        action=action,
        from_status=from_status,
        to_status=to_status or app.status,
        comment=comment,
        actor_id=actor.user_id,
        actor_name=actor.username,
        actor_role=actor.role,
    )
    session.add(event)
    return event


def list_events(session: Session, application_id: int) -> list[ApplicationEvent]:
    """The timeline, oldest first."""
    return list(
        session.scalars(
            select(ApplicationEvent)
            .where(ApplicationEvent.application_id == application_id)
            .order_by(ApplicationEvent.id)
        ).all()
    )


_STYLE = (
    "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4em;"
    "text-align:left;vertical-align:top}th{background:#eee}@media print{body{margin:0}}"
)


def _row(event: ApplicationEvent) -> str:
    cells = (
        local_time(event.created_at),
        ACTION_LABELS.get(event.action, event.action),
        f"{event.from_status} → {event.to_status}" if event.from_status else event.to_status,
        f"{event.actor_name} ({event.actor_role})",
        event.comment,
    )
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def render_timeline_html(app: Application, events: Sequence[ApplicationEvent]) -> str:
    """A self-contained, printable HTML document of the timeline; every value is escaped."""
    items = ", ".join(sorted({f"{i.dataset_id}:{i.item_name}" for i in app.items}))
    head = (
        f"<p>申请编号 (application): {app.id} · 状态 (status): {html.escape(app.status)}</p>"
        f"<p>用途 (purpose): {html.escape(app.purpose)}</p>"
        f"<p>申请数据项 (items): {html.escape(items)}</p>"
    )
    header = "".join(
        f"<th>{h}</th>"
        for h in (
            "时间 (北京时间 China time)",
            "环节 (step)",
            "状态 (status)",
            "办理人 (actor)",
            "意见 (comment)",
        )
    )
    rows = "\n".join(_row(e) for e in events)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>受限开放申请 #{app.id} 办理记录</title><style>{_STYLE}</style></head><body>"
        f"<h1>受限开放申请办理记录 (application timeline) #{app.id}</h1>{head}"
        f"<table><thead><tr>{header}</tr></thead><tbody>\n{rows}\n</tbody></table>"
        "</body></html>\n"
    )
