"""`flask moderation approve|reject`: the same rules as the web, audited as the named user,
and a refusal is one line on stderr with a non-zero exit."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db_session
from moderation import accounts
from tests.factories import make_story
from tests.moderation.conftest import fresh


def run(app, *args):
    return app.test_cli_runner().invoke(args=["moderation", *args])


def status_events(story):
    return db_session().scalars(select(AuditEvent).where(
        AuditEvent.story_id == story.id, AuditEvent.action == "status_changed").order_by(AuditEvent.id)).all()


def refused(result) -> str:
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1 and lines[0], result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", email="mod@charity.example")


def test_approve_from_the_command_line_is_audited_as_that_user(app, moderator):
    story, _ = make_story(consents={"website": True, "press": True})
    result = run(app, "approve", story.public_id, "--for", "website,press", "--by", "MOD@charity.example")
    assert result.exit_code == 0, result.output
    assert story.public_id in result.stdout and "approved" in result.stdout and result.stderr == ""
    story = fresh(story)
    assert story.status == "approved" and story.current_version.author_user_id == moderator.id
    last = status_events(story)[-1]
    assert (last.from_status, last.to_status, last.actor_kind, last.actor_user_id) == (
        "in_review", "approved", "staff", moderator.id)
    assert last.details == {"for": ["press", "website"]}


def test_reject_from_the_command_line_is_audited_as_that_user(app, moderator):
    story, _ = make_story()
    result = run(app, "reject", story.public_id, "--reason", "spam", "--by", moderator.email)
    assert result.exit_code == 0, result.output
    assert f"{story.public_id} rejected" in result.stdout
    assert fresh(story).status == "rejected"
    last = status_events(story)[-1]
    assert (last.to_status, last.actor_user_id, last.reason) == ("rejected", moderator.id, "Spam or advertising")


def test_an_admin_may_approve_too(app, make_user):
    admin = make_user("admin")
    story, _ = make_story(consents={"website": True})
    assert run(app, "approve", story.public_id, "--for", "website", "--by", admin.email).exit_code == 0
    assert status_events(story)[-1].actor_user_id == admin.id


def test_approving_for_press_without_press_consent_is_refused(app, moderator):
    story, _ = make_story(consents={"website": True, "press": False})
    line = refused(run(app, "approve", story.public_id, "--for", "website,press", "--by", moderator.email))
    assert "has not agreed to sharing with journalists" in line
    assert fresh(story).status == "new" and status_events(story) == []


def test_acting_on_a_withdrawn_story_is_refused(app, moderator):
    story, _ = make_story()
    story.status = "withdrawn"
    db_session().commit()
    for args in (["approve", story.public_id, "--for", "website"], ["reject", story.public_id, "--reason", "spam"]):
        line = refused(run(app, *args, "--by", moderator.email))
        assert "withdrawn by the storyteller" in line
    assert fresh(story).status == "withdrawn" and status_events(story) == []


def test_a_move_the_workflow_does_not_allow_is_refused(app, moderator):
    story, _ = make_story()
    assert run(app, "reject", story.public_id, "--reason", "spam", "--by", moderator.email).exit_code == 0
    refused(run(app, "reject", story.public_id, "--reason", "duplicate", "--by", moderator.email))
    refused(run(app, "approve", story.public_id, "--for", "website", "--by", moderator.email))
    assert fresh(story).status == "rejected" and len(status_events(story)) == 2


def test_an_unknown_story_is_refused(app, moderator):
    for story_id in (str(uuid.uuid4()), "1"):
        line = refused(run(app, "approve", story_id, "--for", "website", "--by", moderator.email))
        assert "no story" in line and story_id in line


def test_an_unknown_user_is_refused(app):
    story, _ = make_story()
    line = refused(run(app, "approve", story.public_id, "--for", "website", "--by", "nobody@charity.example"))
    assert "nobody@charity.example" in line
    refused(run(app, "reject", story.public_id, "--reason", "spam", "--by", "nobody@charity.example"))
    assert fresh(story).status == "new"


def test_a_user_whose_role_does_not_allow_it_is_refused(app, make_user):
    press = make_user("press_officer")
    story, _ = make_story()
    assert "not allowed" in refused(run(app, "approve", story.public_id, "--for", "website", "--by", press.email))
    assert "not allowed" in refused(run(app, "reject", story.public_id, "--reason", "spam", "--by", press.email))
    assert fresh(story).status == "new" and status_events(story) == []


def test_a_deactivated_user_is_refused(app, moderator):
    accounts.set_active(db_session(), moderator, False)
    db_session().commit()
    story, _ = make_story()
    refused(run(app, "approve", story.public_id, "--for", "website", "--by", moderator.email))
    assert fresh(story).status == "new"


def test_a_bad_use_or_a_missing_note_is_refused(app, moderator):
    story, _ = make_story()
    refused(run(app, "approve", story.public_id, "--for", "radio", "--by", moderator.email))
    line = refused(run(app, "reject", story.public_id, "--reason", "other", "--by", moderator.email))
    assert "note" in line
    assert fresh(story).status == "new" and status_events(story) == []
    ok = run(app, "reject", story.public_id, "--reason", "other", "--note", "Off topic", "--by", moderator.email)
    assert ok.exit_code == 0 and fresh(story).status == "rejected"
