"""English msgids (translated in messages.po) for the states, steps and channels of access pages."""

from __future__ import annotations

from typing import Any

STATUS_MSGIDS = {
    "draft": "Draft",
    "submitted": "Awaiting acceptance",
    "accepted": "Accepted",
    "returned": "Returned for correction",
    "under_review": "Under review",
    "approved": "Approved",
    "rejected": "Rejected",
    "active": "Grant active",
    "expired": "Expired",
    "revoked": "Revoked",
    "withdrawn": "Withdrawn",
    "suspended": "Suspended",
}
# The review chains (access.rules.CHAIN_NAMES): who decides an application.
CHAIN_MSGIDS = {
    "provider": "The department's officer decides",
    "provider,bureau": "The department reviews, the bureau decides",
}
ACTION_MSGIDS = {
    "create": "Draft created",
    "edit": "Edited",
    "submit": "Submitted",
    "accept": "Accepted",
    "return": "Returned for correction",
    "review": "Provider review",
    "approve": "Approved",
    "reject": "Rejected",
    "withdraw": "Withdrawn",
    "activate": "Grant active",
    "expire": "Expired",
    "revoke": "Revoked",
    "suspend": "Suspended",
    "reinstate": "Reinstated",
    "report": "Usage report",
    "attach": "Attachment",
    "escalate": "Escalated (overdue)",
    "renew": "Renewal",
}
CHANNEL_MSGIDS = {
    "api": "Data API",
    "extract": "File extract",
    "sandbox": "Sandbox only",
}
STAGE_MSGIDS = {"accept": "Acceptance overdue", "decide": "Decision overdue"}


def page_labels() -> dict[str, Any]:
    """The label tables every access template receives."""
    return {
        "status_msgids": STATUS_MSGIDS,
        "action_msgids": ACTION_MSGIDS,
        "channel_msgids": CHANNEL_MSGIDS,
        "stage_msgids": STAGE_MSGIDS,
    }
