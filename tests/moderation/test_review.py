"""Reviewing one story: claim and conflicts, edits as versions, approve, reject, request changes,
notes, and the storyteller's withdrawal winning over anything in flight."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.audit import AuditEvent
from core.db import db_session, get_database
from moderation import service
from moderation.models import Note, Review
from stories import service as story_service
from stories.models import Story, StoryVersion
from tests.conftest import csrf_from
from tests.factories import make_story, story_text
from tests.moderation.conftest import act, fresh, review_page, seen_version

CONFLICT_TEXT = "This story changed while you were looking at it"


def status_of(story) -> str:
    return fresh(story).status


def events(story, action: str = "status_changed") -> list[AuditEvent]:
    return db_session().scalars(
        select(AuditEvent).where(AuditEvent.story_id == story.id, AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def review_row(story) -> Review | None:
    db_session().expire_all()
    return db_session().get(Review, story.id)


def test_claiming_assigns_the_story_to_me_and_puts_it_in_review(staff):
    story, _ = make_story()
    client, me = staff("moderator")
    response = act(client, story, "claim")
    assert response.status_code == 302
    assert review_row(story).claimed_by_id == me.id and status_of(story) == "in_review"
    html = review_page(client, story)
    assert f"{me.email} since" in html and "Release to the queue" in html
    (event,) = events(story)
    assert (event.from_status, event.to_status, event.actor_user_id) == ("new", "in_review", me.id)


def test_two_moderators_on_one_story_the_second_gets_a_409_and_nothing_is_overwritten(staff):
    story, _ = make_story()
    first, alice = staff("moderator")
    second, bob = staff("moderator")
    alice_page, bob_page = review_page(first, story), review_page(second, story)
    assert seen_version(alice_page) == seen_version(bob_page)
    assert act(first, story, "claim", alice_page).status_code == 302

    for action, data in (("claim", {}), ("approve", {"uses": ["website"]}), ("reject", {"reason": "spam"}),
                         ("edit", {"text": story_text(70, "Bob was here"), "title": "Bob"}),
                         ("request-changes", {"message": "Bob asks"})):
        response = act(second, story, action, bob_page, **data)
        assert response.status_code == 409, action
        assert CONFLICT_TEXT in response.get_data(as_text=True)
    review = review_row(story)
    assert review.claimed_by_id == alice.id and not review.approved_for_website
    story = fresh(story)
    assert story.status == "in_review" and len(story.versions) == 1 and story.changes_message is None
    assert [e.actor_user_id for e in events(story)] == [alice.id]
    assert events(story, "story_claimed")[0].actor_user_id == alice.id and len(events(story, "story_claimed")) == 1

    # Reloading shows who holds it and since when; acting on it is still refused.
    reloaded = review_page(second, story)
    assert f"{alice.email} since" in reloaded and "Claim</button>" not in reloaded
    refused = act(second, story, "approve", reloaded, uses=["website"])
    assert refused.status_code == 400
    assert f"This story is claimed by {alice.email} since" in refused.get_data(as_text=True)
    assert status_of(story) == "in_review"


def test_a_claimed_story_in_the_queue_says_who_holds_it(staff):
    story, _ = make_story()
    first, alice = staff("moderator")
    act(first, story, "claim")
    second, _ = staff("moderator")
    html = second.get("/moderation?status=in_review").get_data(as_text=True)
    assert f"Claimed by {alice.email} since" in html


def test_releasing_puts_the_story_back_in_the_queue(staff):
    story, _ = make_story()
    client, _ = staff("moderator")
    act(client, story, "claim")
    assert act(client, story, "release").status_code == 302
    assert review_row(story).claimed_by_id is None and status_of(story) == "new"


def test_an_edit_is_a_new_version_and_the_original_is_unchanged(staff):
    story, _ = make_story(title="My story")
    original_text = story.versions[0].text
    client, me = staff("moderator")
    new_text = story_text(60, "Edited by the moderator")
    response = act(client, story, "edit", text=new_text, title="A better title")
    assert response.status_code == 302
    story = fresh(story)
    assert [v.number for v in story.versions] == [1, 2]
    v1, v2 = story.versions
    assert (v1.text, v1.title, v1.author_user_id) == (original_text, "My story", None)
    assert (v2.text, v2.title, v2.author_user_id, v2.kind) == (new_text, "A better title", me.id, "edit")
    assert story.current_version_id == v2.id
    html = review_page(client, story)
    assert "Changes from the storyteller&#39;s original" in html or "Changes from the storyteller's original" in html
    assert "Original (version 1)" in html and "Current (version 2)" in html
    assert "<ins>" in html and "Edited" in html.split("Current (version 2)", 1)[1]
    assert events(story, "story_edited")[0].actor_user_id == me.id


def test_an_edit_that_changes_nothing_or_is_too_short_saves_nothing(staff):
    story, _ = make_story()
    client, _ = staff("moderator")
    same = act(client, story, "edit", text=story.versions[0].text, title="")
    assert same.status_code == 400 and "Nothing was changed" in same.get_data(as_text=True)
    short = act(client, story, "edit", text="Too short.", title="")
    assert short.status_code == 400
    assert len(fresh(story).versions) == 1


def test_approve_offers_only_what_the_storyteller_agreed_to_and_refuses_a_forged_post(staff):
    story, _ = make_story(consents={"website": True, "press": False})
    client, _ = staff("moderator")
    html = review_page(client, story)
    assert 'id="approve-website"' in html and 'id="approve-press"' not in html
    forged = act(client, story, "approve", html, uses=["website", "press"])
    assert forged.status_code == 400
    assert "has not agreed to sharing with journalists" in forged.get_data(as_text=True)
    review = review_row(story)
    assert status_of(story) == "new" and (review is None or not review.approved_for_press)
    assert events(story) == []


def test_a_story_with_neither_consent_cannot_be_approved(staff):
    story, _ = make_story(consents={"website": False, "press": False})
    client, _ = staff("moderator")
    html = review_page(client, story)
    assert "cannot be approved" in html and 'name="uses"' not in html
    assert act(client, story, "approve", html, uses=["website"]).status_code == 400
    assert status_of(story) == "new"


def test_approving_needs_a_use(staff):
    story, _ = make_story()
    client, _ = staff("moderator")
    response = act(client, story, "approve")
    assert response.status_code == 400 and "Choose what the story is approved for" in response.get_data(as_text=True)
    assert status_of(story) == "new"


def test_approving_saves_a_moderated_version_and_audits_it(staff):
    story, _ = make_story(consents={"website": True, "press": True})
    client, me = staff("moderator")
    response = act(client, story, "approve", uses=["website", "press"])
    assert response.status_code == 302
    story = fresh(story)
    assert story.status == "approved"
    v1, v2 = story.versions
    assert v1.author_user_id is None and v2.author_user_id == me.id and v2.kind == "moderated" and v2.text == v1.text
    review = review_row(story)
    assert review.approved_for_website and review.approved_for_press and review.approved_at is not None
    assert [(e.from_status, e.to_status, e.actor_user_id) for e in events(story)] == [
        ("new", "in_review", me.id), ("in_review", "approved", me.id)]
    assert "the website and journalists" in review_page(client, story)


def test_rejecting_needs_a_reason_from_the_list(staff):
    story, _ = make_story()
    client, me = staff("moderator")
    for data in ({}, {"reason": "boring"}):
        response = act(client, story, "reject", **data)
        assert response.status_code == 400 and "Choose a reason" in response.get_data(as_text=True)
    other = act(client, story, "reject", reason="other")
    assert other.status_code == 400 and "Add a note" in other.get_data(as_text=True)
    assert status_of(story) == "new"
    response = act(client, story, "reject", reason="other", note="Written by a bot, checked by hand")
    assert response.status_code == 302
    assert status_of(story) == "rejected" and review_row(story).rejection_reason == "other"
    assert events(story)[-1].reason == "Another reason (see the note)" and events(story)[-1].actor_user_id == me.id
    assert "Written by a bot, checked by hand" in review_page(client, story)


def test_request_changes_then_the_storyteller_resubmits_back_into_review(app, staff):
    story, token = make_story()
    client, me = staff("moderator")
    empty = act(client, story, "request-changes", message="  ")
    assert empty.status_code == 400 and status_of(story) == "new"
    message = "Please take out the name of your consultant, then send it again."
    assert act(client, story, "request-changes", message=message).status_code == 302
    assert status_of(story) == "changes_requested"

    storyteller = app.test_client()
    page = storyteller.get(f"/my-story/{token}").get_data(as_text=True)
    assert "We have asked you for some changes" in page and "take out the name of your consultant" in page
    new_text = story_text(60, "Without the name")
    response = storyteller.post(f"/my-story/{token}/resubmit",
                                data={"csrf_token": csrf_from(page), "title": "Changed", "text": new_text})
    assert response.status_code == 302
    story = fresh(story)
    assert story.status == "in_review" and story.changes_message is None
    assert [v.kind for v in story.versions] == ["original", "resubmission"]
    assert story.current_version.text == new_text and story.current_version.author_user_id is None
    last = events(story)[-1]
    assert (last.from_status, last.to_status, last.actor_kind) == ("changes_requested", "in_review", "storyteller")
    after = storyteller.get(f"/my-story/{token}").get_data(as_text=True)
    assert "take out the name of your consultant" not in after
    # A second resubmission is refused: the story is no longer waiting for changes.
    again = storyteller.post(f"/my-story/{token}/resubmit", data={"csrf_token": csrf_from(after), "text": new_text})
    assert again.status_code == 400 and len(fresh(story).versions) == 2


def test_notes_are_for_staff_only(app, staff):
    story, token = make_story()
    client, me = staff("moderator")
    html = review_page(client, story)
    response = client.post(f"/moderation/stories/{story.public_id}/notes",
                           data={"csrf_token": csrf_from(html), "text": "Phoned the safeguarding lead at 3pm"})
    assert response.status_code == 302
    html = review_page(client, story)
    assert "Phoned the safeguarding lead at 3pm" in html and me.email in html
    note = db_session().scalars(select(Note).where(Note.story_id == story.id)).one()
    assert note.author_id == me.id
    assert "Phoned the safeguarding lead" not in app.test_client().get(f"/my-story/{token}").get_data(as_text=True)
    empty = client.post(f"/moderation/stories/{story.public_id}/notes", data={"csrf_token": csrf_from(html), "text": " "})
    assert empty.status_code == 400


def test_a_withdrawal_wins_over_a_moderator_with_the_page_open(app, staff):
    story, token = make_story()
    client, _ = staff("moderator")
    act(client, story, "claim")
    open_page = review_page(client, story)

    storyteller = app.test_client()
    page = storyteller.get(f"/my-story/{token}/withdraw").get_data(as_text=True)
    assert storyteller.post(f"/my-story/{token}/withdraw",
                            data={"csrf_token": csrf_from(page), "choice": "withdraw"}).status_code == 302

    late = act(client, story, "approve", open_page, uses=["website"])
    assert late.status_code == 409 and CONFLICT_TEXT in late.get_data(as_text=True)
    assert status_of(story) == "withdrawn"
    assert not review_row(story).approved_for_website
    # After reloading there is nothing left to do, and a forged action is refused.
    reloaded = review_page(client, story)
    assert "Withdrawn" in reloaded and "/approve" not in reloaded and "/edit" not in reloaded
    current = {"csrf_token": csrf_from(reloaded), "seen_version": str(fresh(story).version_id)}
    forged = client.post(f"/moderation/stories/{story.public_id}/approve", data={**current, "uses": ["website"]})
    assert forged.status_code == 400 and "withdrawn by the storyteller" in forged.get_data(as_text=True)
    edited = client.post(f"/moderation/stories/{story.public_id}/edit", data={**current, "text": story_text(70, "Edited")})
    assert edited.status_code == 400
    story = fresh(story)
    assert story.status == "withdrawn" and len(story.versions) == 1
    assert [e.to_status for e in events(story)] == ["in_review", "withdrawn"]


def test_a_withdrawal_committed_while_an_approval_is_in_flight_wins(app, make_user):
    """Two real database sessions: the approval read the story before the withdrawal committed."""
    moderator = make_user("moderator")
    story, _ = make_story()
    story.status = "in_review"
    db_session().commit()
    database = get_database()
    staff_session, storyteller_session = database.session(), database.session()
    try:
        staff_story = staff_session.get(Story, story.id)
        staff_user = staff_session.get(type(moderator), moderator.id)
        staff_story.versions, staff_story.consents  # loaded, as the review page did
        teller_story = storyteller_session.get(Story, story.id)
        story_service.withdraw(storyteller_session, teller_story, erase=False)
        storyteller_session.commit()

        with pytest.raises((service.Conflict, StaleDataError)):
            service.approve(staff_session, staff_story, staff_user, staff_story.version_id, uses=["website"])
            staff_session.commit()
        staff_session.rollback()
    finally:
        staff_session.close()
        storyteller_session.close()
    story = fresh(story)
    assert story.status == "withdrawn" and len(story.versions) == 1
    assert db_session().scalars(select(StoryVersion).where(StoryVersion.story_id == story.id)).all() == story.versions


def test_a_press_officer_cannot_act_on_a_story(staff):
    story, _ = make_story()
    moderator, _ = staff("moderator")
    html = review_page(moderator, story)
    press, _ = staff("press_officer")
    for action, data in (("approve", {"uses": ["website"]}), ("claim", {}), ("reject", {"reason": "spam"})):
        data = {"csrf_token": csrf_from(html), "seen_version": seen_version(html), **data}
        assert press.post(f"/moderation/stories/{story.public_id}/{action}", data=data).status_code == 403
    assert status_of(story) == "new" and review_row(story) is None


def test_an_admin_can_do_what_a_moderator_can(staff):
    story, _ = make_story()
    client, admin = staff("admin")
    assert act(client, story, "approve", uses=["website"]).status_code == 302
    assert status_of(story) == "approved" and events(story)[-1].actor_user_id == admin.id


def test_an_action_without_the_csrf_token_changes_nothing(staff):
    story, _ = make_story()
    client, _ = staff("moderator")
    html = review_page(client, story)
    response = client.post(f"/moderation/stories/{story.public_id}/approve",
                           data={"seen_version": seen_version(html), "uses": ["website"]})
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert status_of(story) == "new"


def test_an_action_without_the_version_seen_is_refused(client, make_user, login):
    story, _ = make_story()
    login(client, make_user("moderator"))
    html = review_page(client, story)
    response = client.post(f"/moderation/stories/{story.public_id}/claim", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 409
    assert "This story changed while you were looking at it" in response.get_data(as_text=True)
    assert fresh(story).status == "new"
