"""Published stories at /stories: approved for the website, moderated words only, as consented."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from core.db import db_session
from moderation import service
from stories.consent import change_consents
from stories.photos import clean_photo
from tests.conftest import csrf_from
from tests.factories import make_story, story_text

ORIGINAL_LEAD = "Storyteller original wording zebra"
EDITED_LEAD = "Moderated wording giraffe"


@pytest.fixture
def moderator(make_user):
    return make_user("moderator")


def approve(story, user, uses=("website",), edit=None):
    session = db_session()
    if edit:
        service.edit(session, story, user, None, title=None, text=edit)
    service.approve(session, story, user, None, uses=list(uses), enforce_claim=False)
    session.commit()


def photo():
    image = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(image, "PNG")
    return clean_photo(image.getvalue())


def test_an_approved_story_shows_its_moderated_text_never_the_original(client, moderator):
    story, _ = make_story(text=story_text(60, ORIGINAL_LEAD), consents={"website": True})
    approve(story, moderator, edit=story_text(60, EDITED_LEAD))
    index = client.get("/stories").get_data(as_text=True)
    page = client.get(f"/stories/{story.public_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for shown in (index, html):
        assert EDITED_LEAD in shown and ORIGINAL_LEAD not in shown


def test_an_approval_without_edits_publishes_a_moderated_copy_not_version_1(client, moderator):
    story, _ = make_story(consents={"website": True})
    approve(story, moderator)
    (item,) = service.published(db_session())
    assert item.version.number == 2 and item.version.author_user_id == moderator.id
    assert item.version.text == story.versions[0].text
    assert story.public_id in client.get("/stories").get_data(as_text=True)


def test_stories_not_approved_for_the_website_are_not_published(client, moderator):
    press_only, _ = make_story(consents={"website": True, "press": True})
    approve(press_only, moderator, uses=("press",))
    waiting, _ = make_story(consents={"website": True})
    index = client.get("/stories").get_data(as_text=True)
    assert "No stories have been published yet" in index
    for story in (press_only, waiting):
        assert story.public_id not in index
        assert client.get(f"/stories/{story.public_id}").status_code == 404


def test_the_first_name_is_shown_only_with_consent(client, moderator):
    named, _ = make_story(first_name="Bronwen", town="Cardiff", consents={"website": True, "name": True})
    anonymous, _ = make_story(first_name="Siobhan", town="Belfast", consents={"website": True, "name": False})
    approve(named, moderator)
    approve(anonymous, moderator)
    index = client.get("/stories").get_data(as_text=True)
    assert "Bronwen, Cardiff" in index and "Anonymous, Belfast" in index and "Siobhan" not in index
    page = client.get(f"/stories/{anonymous.public_id}").get_data(as_text=True)
    assert "Anonymous, Belfast" in page and "Siobhan" not in page


def test_the_photo_is_shown_only_with_consent(client, moderator):
    with_photo, _ = make_story(photo=photo(), consents={"website": True, "photo": True})
    without, _ = make_story(photo=photo(), consents={"website": True, "photo": False})
    approve(with_photo, moderator)
    approve(without, moderator)
    html = client.get(f"/stories/{with_photo.public_id}").get_data(as_text=True)
    assert f"/stories/{with_photo.public_id}/photo" in html
    response = client.get(f"/stories/{with_photo.public_id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/png"
    html = client.get(f"/stories/{without.public_id}").get_data(as_text=True)
    assert "/photo" not in html
    assert client.get(f"/stories/{without.public_id}/photo").status_code == 404


def test_a_withdrawn_story_disappears_at_once(app, client, moderator):
    story, token = make_story(photo=photo(), consents={"website": True, "photo": True})
    approve(story, moderator)
    assert client.get(f"/stories/{story.public_id}").status_code == 200
    storyteller = app.test_client()
    page = storyteller.get(f"/my-story/{token}/withdraw").get_data(as_text=True)
    storyteller.post(f"/my-story/{token}/withdraw", data={"csrf_token": csrf_from(page), "choice": "withdraw"})
    assert story.public_id not in client.get("/stories").get_data(as_text=True)
    assert client.get(f"/stories/{story.public_id}").status_code == 404
    assert client.get(f"/stories/{story.public_id}/photo").status_code == 404


def test_taking_back_website_consent_unpublishes_the_story(client, moderator):
    story, _ = make_story(consents={"website": True})
    approve(story, moderator)
    change_consents(db_session(), story, {"website": False}, channel="web")
    db_session().commit()
    assert client.get(f"/stories/{story.public_id}").status_code == 404
    assert story.public_id not in client.get("/stories").get_data(as_text=True)


def test_the_list_is_full_even_when_the_newest_approvals_lost_their_consent(app, moderator):
    kept = [make_story(consents={"website": True})[0] for _ in range(2)]
    for story in kept:
        approve(story, moderator)
    withdrawn = [make_story(consents={"website": True})[0] for _ in range(3)]
    for story in withdrawn:
        approve(story, moderator)
        change_consents(db_session(), story, {"website": False}, channel="web")
    db_session().commit()
    shown = service.published(db_session(), limit=2)
    assert sorted(item.story.id for item in shown) == sorted(story.id for story in kept)
