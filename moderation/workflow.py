"""The one place a story's status changes.

``transition()`` knows the allowed moves, refuses the rest with a clear error and
writes the audit row in the same transaction. Withdrawal is final and wins: a staff
action that started before it finds the story changed and is refused.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.audit import AuditEvent, record
from core.db import utcnow
from stories.models import STATUSES, Story

ALLOWED: dict[str, frozenset[str]] = {
    "new": frozenset({"in_review", "withdrawn"}),
    "in_review": frozenset({"new", "changes_requested", "approved", "rejected", "withdrawn"}),
    "changes_requested": frozenset({"in_review", "withdrawn"}),
    "approved": frozenset({"in_review", "withdrawn"}),
    "rejected": frozenset({"in_review", "withdrawn"}),
    "withdrawn": frozenset(),
}

PLAIN_STATUS = {
    "new": "Received: waiting for a moderator to read it",
    "in_review": "Being read by a moderator",
    "changes_requested": "We have asked you for some changes",
    "approved": "Approved",
    "rejected": "Not used",
    "withdrawn": "Withdrawn at your request",
}


class TransitionError(Exception):
    """A status change the workflow does not allow. The message is safe to show."""


def can_transition(current: str, target: str) -> bool:
    return target in ALLOWED.get(current, frozenset())


def transition(
    session: Session,
    story: Story,
    target: str,
    *,
    actor_kind: str,
    actor_user_id: int | None = None,
    reason: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Move ``story`` to ``target`` and audit it; the caller commits."""
    if target not in STATUSES:
        raise TransitionError(f"Unknown status “{target}”.")
    current = story.status
    if current == "withdrawn":
        raise TransitionError("This story has been withdrawn by the storyteller and can no longer be changed.")
    if not can_transition(current, target):
        raise TransitionError(f"A story cannot go from “{PLAIN_STATUS[current].lower()}” to “{target.replace('_', ' ')}”.")
    story.status = target
    if target == "withdrawn":
        story.withdrawn_at = utcnow()
    return record(
        session, "status_changed", actor_kind=actor_kind, actor_user_id=actor_user_id, story_id=story.id,
        from_status=current, to_status=target, reason=reason, details=details,
    )
