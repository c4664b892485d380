"""The private link: see the story, change consent, withdraw, withdraw and delete."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db_session
from core.storage import get_storage
from stories.consent import consent_for
from stories.models import Consent, Photo, Story, StoryVersion
from stories.photos import clean_photo
from tests.conftest import csrf_from
from tests.factories import make_story


def page(client, token):
    return client.get(f"/my-story/{token}")


def test_the_private_link_shows_the_story_its_status_and_consents(client):
    story, token = make_story(first_name="Bronwen", consents={"website": True, "press": False})
    html = page(client, token).get_data(as_text=True)
    assert "Bronwen" in html and "I was told" in html
    assert "waiting for a moderator" in html
    assert "Publish my story on the website" in html


def test_wrong_old_and_missing_tokens_get_the_same_404(client):
    story, token = make_story()
    wrong = page(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    missing = page(client, "x")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.get_data() == missing.get_data()


def test_changing_a_consent_adds_a_row_and_keeps_the_history(client):
    story, token = make_story(consents={"website": True, "press": True})
    html = page(client, token).get_data(as_text=True)
    before = len(story.consents)
    response = client.post(f"/my-story/{token}/consent", data={"csrf_token": csrf_from(html), "consent_website": "y"})
    assert response.status_code == 302
    followed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your choices have been saved" in followed
    session = db_session()
    session.expire_all()
    story = session.get(Story, story.id)
    assert len(story.consents) == before + 1
    assert consent_for(story, "website") and not consent_for(story, "press")
    press_rows = [row for row in story.consents if row.scope == "press"]
    assert [row.granted for row in press_rows] == [True, False]
    assert session.scalars(select(AuditEvent).where(AuditEvent.action == "consent_changed")).one().details == {
        "scopes": {"press": False}
    }


def test_a_consent_change_without_csrf_changes_nothing(client):
    story, token = make_story(consents={"website": True})
    response = client.post(f"/my-story/{token}/consent", data={})
    assert response.status_code == 400
    db_session().expire_all()
    assert consent_for(db_session().get(Story, story.id), "website")


def _withdraw(client, token, choice):
    html = client.get(f"/my-story/{token}/withdraw").get_data(as_text=True)
    return client.post(f"/my-story/{token}/withdraw", data={"csrf_token": csrf_from(html), "choice": choice})


def test_withdrawing_keeps_the_story_but_stops_every_use(client):
    story, token = make_story(consents={"website": True, "press": True})
    assert _withdraw(client, token, "withdraw").status_code == 302
    session = db_session()
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.status == "withdrawn" and story.withdrawn_at is not None
    assert not consent_for(story, "website") and not consent_for(story, "press")
    assert story.versions, "a plain withdrawal keeps the words for the storyteller to see"
    assert "Withdrawn at your request" in page(client, token).get_data(as_text=True)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "status_changed")).one()
    assert (event.from_status, event.to_status, event.actor_kind) == ("new", "withdrawn", "storyteller")


def test_withdraw_and_delete_removes_words_photo_and_contact_details_but_keeps_consent_history(client, run_jobs):
    image = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(image, "PNG")
    story, token = make_story(email="someone@example.org", first_name="Ifeoma", photo=clean_photo(image.getvalue()),
                              title="My title")
    key = story.photos[0].storage_key
    assert get_storage().exists(key)
    consents_before = len(story.consents)
    assert _withdraw(client, token, "delete").status_code == 302
    run_jobs()
    session = db_session()
    session.expire_all()
    story = session.get(Story, story.id)
    assert story.erased_at is not None and story.status == "withdrawn"
    assert story.first_name is None and story.email is None and story.town is None
    assert session.scalars(select(StoryVersion).where(StoryVersion.story_id == story.id)).all() == []
    assert not get_storage().exists(key), "the photo file is deleted by the erasure job"
    assert session.scalars(select(Photo).where(Photo.story_id == story.id)).all() == []
    assert len(session.scalars(select(Consent).where(Consent.story_id == story.id)).all()) == consents_before
    html = page(client, token).get_data(as_text=True)
    assert "Ifeoma" not in html and "I was told" not in html and "My title" not in html
    assert "deleted" in html and "Publish my story on the website" in html


def test_the_withdraw_page_needs_a_choice(client):
    story, token = make_story()
    response = _withdraw(client, token, "")
    assert response.status_code == 400
    assert "Select whether to withdraw your story" in response.get_data(as_text=True)
    db_session().expire_all()
    assert db_session().get(Story, story.id).status == "new"


def test_the_photo_is_only_served_through_the_private_link(client):
    image = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(image, "JPEG")
    story, token = make_story(photo=clean_photo(image.getvalue()))
    response = client.get(f"/my-story/{token}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert client.get("/my-story/not-a-token/photo").status_code == 404
