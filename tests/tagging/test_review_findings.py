"""The review page shows what the tagger found; the moderator accepts or dismisses each finding and applies redactions."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from core.db import db_session
from moderation.accounts import create_user
from moderation.models import Tagging
from stories.models import Story
from tests.conftest import csrf_from
from tests.factories import make_story

TEXT = (
    "My name is Rosalind Featherstone and I live in Hexham. You can ring me on 07700 900461 or email "
    "rosalind.f@example.org. My NHS number is 999 000 0026. The cancer spread to my liver in 2023 and I was "
    "treated at Tynedale Valley Hospital, where the waiting for results was the hardest part of it all. "
    "My specialist nurse has been wonderful and my husband drives me to every appointment."
)


@pytest.fixture
def moderator(app, client):
    user = create_user(db_session(), "reviewer@charity.example", "moderator", "a long test password")
    db_session().commit()
    html = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_from(html), "email": user.email,
                                           "password": "a long test password"})
    assert response.status_code == 302
    return user


def review(client, story) -> str:
    return client.get(f"/moderation/stories/{story.public_id}").get_data(as_text=True)


def test_findings_are_highlighted_with_a_text_label_and_listed_by_type(app, client, moderator, run_jobs):
    story, _ = make_story(text=TEXT, first_name="Rosalind")
    run_jobs()
    html = review(client, story)
    assert "Not tagged yet" not in html
    # Colour plus a text label: the label is in the text itself, not only in the colour.
    assert re.search(r'<mark class="finding finding-person[^"]*"><span class="finding-label">\[Name\]</span> Rosalind Featherstone</mark>', html)
    assert "[Phone]</span> 07700 900461" in html and "[NHS number]</span> 999 000 0026" in html
    assert "Personal data found" in html and "Apply redactions" in html


def test_apply_redactions_replaces_accepted_findings_and_keeps_the_original_for_staff(app, client, moderator, run_jobs):
    story, _ = make_story(text=TEXT, first_name="Rosalind")
    run_jobs()
    html = review(client, story)
    tagging = db_session().scalars(select(Tagging).where(Tagging.story_id == story.id)).one()
    decisions = {}
    for index, finding in enumerate(tagging.pii):
        # Keep the hospital in, redact everything else.
        decisions[f"finding-{index}"] = "dismiss" if finding["type"] == "HOSPITAL" else "accept"
    seen = re.search(r'name="seen_version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(f"/moderation/stories/{story.public_id}/redactions",
                           data={"csrf_token": csrf_from(html), "seen_version": seen, **decisions})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    run_jobs()
    session = db_session()
    session.expire_all()
    story = session.get(Story, story.id)
    current, original = story.current_version, story.original_version
    assert current.kind == "redaction" and current.author_user_id == moderator.id
    for placeholder in ("[name]", "[phone]", "[email]", "[NHS number]"):
        assert placeholder in current.text
    for personal in ("Featherstone", "07700 900461", "rosalind.f@example.org", "999 000 0026"):
        assert personal not in current.text
        assert personal in original.text, "the original stays, for staff"
    assert "Tynedale Valley Hospital" in current.text, "a dismissed finding is kept"
    page = review(client, story)
    assert "Featherstone" in page.split("The storyteller's original words")[1], "staff can still read the original"


def test_redactions_wait_for_tags(app_factory, client, moderator):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)
    with down.app_context():
        story, _ = make_story(text=TEXT)
    html = review(client, story)
    assert "Not tagged yet" in html and "Apply redactions" not in html
