"""Versioned data-use agreement and security commitment texts; applicants accept one version."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kaifang.access.models import Agreement
from kaifang.audit import service as audit_service
from kaifang.auth.actor import SYSTEM, Actor
from kaifang.auth.service import authorize
from kaifang.errors import InvalidInput, NotFound

DEFAULT_TITLE = "公共数据受限开放利用协议及安全承诺书"
DEFAULT_AGREEMENT = (
    "一、数据仅用于申请表所列用途和应用场景，并仅在申请表所列系统或应用中使用。\n"
    "二、不得向未经授权的第三方提供原始数据，不得尝试重新识别个人身份。\n"
    "三、授权期满、终止或撤销后30日内销毁所获数据及其副本，并书面确认。\n"
    "四、按期提交数据利用报告；基于数据形成的论文、专利、软件和应用应注明数据来源。\n"
    "五、违反本协议的，开放主体可暂停或撤销授权，并依法追究责任。"
)
DEFAULT_COMMITMENT = (
    "本单位（本人）承诺：落实数据安全管理制度和技术防护措施，"
    "发生数据泄露等安全事件时立即采取补救措施并于24小时内报告数据提供方和主管部门。"
)


def current_agreement(session: Session) -> Agreement | None:
    """The newest version, or None before any is published."""
    return session.scalars(select(Agreement).order_by(Agreement.version.desc()).limit(1)).first()


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    """One version by id; raises NotFound."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound("协议版本不存在 (agreement version not found)")
    return agreement


def publish_agreement(
    session: Session, *, actor: Actor, title: str, agreement_text: str, commitment_text: str
) -> Agreement:
    """Add a new version (old versions stay, as applications point at them); admins only."""
    authorize(actor, "agreement.manage")
    if not agreement_text.strip() or not commitment_text.strip():
        raise InvalidInput(
            "协议和承诺书正文不能为空 (texts required)", details={"field": "agreement_text"}
        )
    latest = session.scalar(select(func.max(Agreement.version))) or 0
    agreement = Agreement(
        version=latest + 1,
        title=title.strip() or DEFAULT_TITLE,
        agreement_text=agreement_text,
        commitment_text=commitment_text,
        created_by=actor.user_id,
    )
    session.add(agreement)
    session.flush()
    audit_service.record(
        session,
        action="agreement.publish",
        actor=actor,
        object_type="agreement",
        object_id=agreement.id,
        details={"version": agreement.version},
    )
    return agreement


def seed_default_agreement(session: Session) -> Agreement:
    """Publish the default texts as version 1 unless a version exists (demo and first run)."""
    existing = current_agreement(session)
    if existing is not None:
        return existing
    return publish_agreement(
        session,
        actor=SYSTEM,
        title=DEFAULT_TITLE,
        agreement_text=DEFAULT_AGREEMENT,
        commitment_text=DEFAULT_COMMITMENT,
    )
