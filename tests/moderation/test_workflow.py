"""The one state machine: every allowed move writes one audit row; every other move is refused."""
from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import db_session
from moderation.workflow import ALLOWED, TransitionError, can_transition, transition
from stories.models import STATUSES, Story
from tests.factories import make_story

PAIRS = list(itertools.product(STATUSES, STATUSES))
ALLOWED_PAIRS = [(a, b) for a, b in PAIRS if b in ALLOWED[a]]
REFUSED_PAIRS = [(a, b) for a, b in PAIRS if b not in ALLOWED[a]]


def status_events(story_id: int) -> list[AuditEvent]:
    return db_session().scalars(
        select(AuditEvent).where(AuditEvent.story_id == story_id, AuditEvent.action == "status_changed")
    ).all()


def story_in(status: str) -> Story:
    story, _ = make_story()
    story.status = status
    db_session().commit()
    return story


def test_the_table_covers_every_status_and_names_only_real_ones():
    assert set(ALLOWED) == set(STATUSES)
    assert all(targets <= set(STATUSES) for targets in ALLOWED.values())
    # The moves the issue describes are all there.
    for move in [("new", "in_review"), ("in_review", "approved"), ("in_review", "rejected"),
                 ("in_review", "changes_requested"), ("changes_requested", "in_review")]:
        assert can_transition(*move)
    assert all(can_transition(status, "withdrawn") for status in STATUSES if status != "withdrawn")


@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS, ids=[f"{a}->{b}" for a, b in ALLOWED_PAIRS])
def test_an_allowed_move_changes_the_status_and_writes_exactly_one_audit_row(app, make_user, current, target):
    user = make_user("moderator")
    story = story_in(current)
    session = db_session()
    transition(session, story, target, actor_kind="staff", actor_user_id=user.id, reason="because")
    session.commit()
    session.expire_all()
    assert session.get(Story, story.id).status == target
    (event,) = status_events(story.id)
    assert (event.from_status, event.to_status) == (current, target)
    assert (event.actor_kind, event.actor_user_id, event.reason) == ("staff", user.id, "because")
    assert event.at is not None
    if target == "withdrawn":
        assert session.get(Story, story.id).withdrawn_at is not None


@pytest.mark.parametrize(("current", "target"), REFUSED_PAIRS, ids=[f"{a}->{b}" for a, b in REFUSED_PAIRS])
def test_a_refused_move_raises_changes_nothing_and_writes_no_audit_row(app, current, target):
    story = story_in(current)
    session = db_session()
    with pytest.raises(TransitionError) as refused:
        transition(session, story, target, actor_kind="system")
    assert str(refused.value)  # a message safe to show
    session.rollback()
    session.expire_all()
    assert session.get(Story, story.id).status == current
    assert status_events(story.id) == []


def test_an_unknown_status_is_refused(app):
    story = story_in("in_review")
    with pytest.raises(TransitionError, match="Unknown status"):
        transition(db_session(), story, "published", actor_kind="system")


def test_withdrawn_is_final_with_a_message_saying_so(app):
    story = story_in("withdrawn")
    for target in STATUSES:
        with pytest.raises(TransitionError, match="withdrawn by the storyteller"):
            transition(db_session(), story, target, actor_kind="staff")
    db_session().rollback()
    assert db_session().scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.story_id == story.id, AuditEvent.action == "status_changed")) == 0
