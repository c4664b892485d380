"""Pitching fixtures: the starter outlets, staff signed in through /login, and stories
approved for the press by a moderator (with or without a sentence edited out)."""
from __future__ import annotations

import html as htmllib
import io
import re
import zipfile

import pytest

from core.db import db_session
from moderation import accounts
from moderation import service as moderation
from tests.conftest import csrf_from
from tests.factories import make_story

PASSWORD = "correct horse battery staple"
# Distinctive, so "absent anywhere" really means absent (it is not a word that occurs by chance).
FIRST_NAME = "Marigold"
# What the moderator removes: it must never reach a pack.
REMOVED = "I want everyone to know that my neighbour Brenda Halloway at number twelve is dying of it too."
KEPT = "Nobody had ever explained the signs of secondary breast cancer to me before it came back."
# Fictional; real sentences, so the tagger finds quotes. The first name is in the text on purpose:
# without name consent it must be scrubbed from every quote.
STORY = (
    f"{KEPT} "
    "When the scan showed the cancer had spread to my bones, I stopped making plans for a whole winter. "
    f"My friends still call me {FIRST_NAME} the gardener, and I want other people to know that living with this is still living. "
    "What changed things was a Tuesday group at the library where nobody flinched at the word secondary. "
    "I want every hospital to have a specialist nurse, because mine was the one person who answered my questions."
)



@pytest.fixture
def outlets(app):
    """The starter directory, loaded as `flask pitch load-outlets` would."""
    from pitch.outlets import load_starter

    session = db_session()
    added = load_starter(session)
    session.commit()
    return added


@pytest.fixture
def make_staff(app):
    counter = iter(range(1, 10_000))

    def make(role: str = "press_officer", email: str | None = None):
        session = db_session()
        user = accounts.create_user(session, email or f"{role}{next(counter)}@charity.example", role, PASSWORD)
        session.commit()
        return user

    return make


@pytest.fixture
def signed_in(app):
    """A new test client signed in as ``user`` through /login."""

    def sign(user):
        client = app.test_client()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        response = client.post("/login", data={"csrf_token": token, "email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return sign


@pytest.fixture
def moderator(make_staff):
    return make_staff("moderator")


@pytest.fixture
def press_officer(make_staff):
    return make_staff("press_officer")


@pytest.fixture
def press(signed_in, press_officer):
    """A browser signed in as a press officer."""
    return signed_in(press_officer)


@pytest.fixture
def approved_story(app, moderator, run_jobs):
    """``approved_story(edit=None, uses=("website", "press"), **make_story_fields)``: a story a moderator
    approved (after editing its text to ``edit``, if given); tagging has run."""

    def make(edit: str | None = None, uses=("website", "press"), **fields):
        fields.setdefault("first_name", FIRST_NAME)
        fields.setdefault("consents", {"website": True, "press": True})
        fields.setdefault("text", STORY)
        story, token = make_story(**fields)
        session = db_session()
        if edit is not None:
            moderation.edit(session, story, moderator, None, title=None, text=edit)
        moderation.approve(session, story, moderator, None, uses=list(uses), enforce_claim=False)
        session.commit()
        run_jobs()  # tagging, when jobs go through Redis
        return story, token

    return make


@pytest.fixture
def photo():
    from PIL import Image

    from stories.photos import clean_photo

    def make():
        image = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 120, 90)).save(image, "JPEG")
        return clean_photo(image.getvalue())

    return make


# --- the pitching steps, as a browser takes them -----------------------------------


class Pitching:
    """What the tests do again and again: open a story page, send its draft, build a pack, open the zip."""

    first_name = FIRST_NAME
    story = STORY
    removed = REMOVED
    kept = KEPT
    password = PASSWORD

    def __init__(self, run_jobs) -> None:
        self.run_jobs = run_jobs

    @staticmethod
    def story_page(client, story) -> str:
        response = client.get(f"/pitch/stories/{story.public_id}")
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    @staticmethod
    def draft_form(html: str, **changes) -> dict:
        """The draft form as the browser would send it, read from the story page."""

        def field(name: str, textarea: bool = False) -> str:
            if textarea:
                match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
            else:
                match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
            return htmllib.unescape(match.group(1)) if match else ""

        quotes = [htmllib.unescape(q) for q in
                  re.findall(r'<input type="checkbox"[^>]*name="quote" value="([^"]*)"[^>]*checked', html)]
        form = {
            "csrf_token": csrf_from(html), "headline": field("headline"), "standfirst": field("standfirst", True),
            "spokesperson_quote": field("spokesperson_quote", True), "extra_quotes": field("extra_quotes", True),
            "embargo": field("embargo"), "quote": quotes,
        }
        form.update(changes)
        return form

    @staticmethod
    def csrf(client) -> str:
        """A valid CSRF token of the client's session, from a page that always has a form."""
        return csrf_from(client.get("/pitch/outlets").get_data(as_text=True))

    def forged_draft(self, client, **changes) -> dict:
        """A complete, valid-looking draft POST for a story whose page offers no form."""
        return {"csrf_token": self.csrf(client), "headline": "A headline", "standfirst": "A standfirst",
                "spokesperson_quote": "A quote from the charity.", "extra_quotes": "", "embargo": "", **changes}

    def request(self, client, story, **changes):
        """POST the draft from the story page (with ``changes``); the response is not followed."""
        html = self.story_page(client, story)
        return client.post(f"/pitch/stories/{story.public_id}", data=self.draft_form(html, **changes))

    def build(self, client, story, **changes):
        """Request a pack and run the build job; returns the Pack, reloaded."""
        response = self.request(client, story, **changes)
        assert response.status_code == 302, response.get_data(as_text=True)
        public_id = response.headers["Location"].rsplit("/", 1)[-1]
        self.run_jobs()
        return self.pack(public_id)

    @staticmethod
    def pack(public_id: str):
        from sqlalchemy import select

        from pitch.models import Pack

        session = db_session()
        session.expire_all()
        return session.scalars(select(Pack).where(Pack.public_id == public_id)).one()

    @staticmethod
    def open_zip(pack) -> zipfile.ZipFile:
        from core.storage import get_storage

        return zipfile.ZipFile(io.BytesIO(get_storage().open(pack.storage_key)))


@pytest.fixture
def pitching(run_jobs) -> Pitching:
    return Pitching(run_jobs)


@pytest.fixture
def edited_texts():
    """(original, moderated): the moderator takes out one sentence that names someone else."""
    return STORY.replace(KEPT, f"{KEPT} {REMOVED}"), STORY
