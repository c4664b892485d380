"""Staff fixtures: users made once per test with a known password, signing in through
/login as a browser would, and helpers to act on a story's review page."""
from __future__ import annotations

import re

import pytest

from core.db import db_session
from moderation.models import User
from tests.conftest import csrf_from
from tests.staff import PASSWORD

_CSRF_ANY = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
_SEEN = re.compile(r'name="seen_version" type="hidden" value="(\d+)"')


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    path = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"csrf_token": token, "email": email, "password": password})


@pytest.fixture
def login():
    def do(client, user: User, password: str = PASSWORD):
        response = sign_in(client, user.email, password)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return do


@pytest.fixture
def staff(app, make_user, login):
    """A new browser signed in as a new user with ``role``: returns (client, user)."""

    def make(role: str = "moderator", **fields):
        user = make_user(role, **fields)
        client = app.test_client()
        login(client, user)
        return client, user

    return make


def token_from(html: str) -> str:
    """The CSRF token of any form on the page (WTForms fields and the hand-written ones alike)."""
    match = _CSRF_ANY.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def seen_version(html: str) -> str:
    match = _SEEN.search(html)
    assert match, "the review page has no seen_version"
    return match.group(1)


def review_page(client, story):
    response = client.get(f"/moderation/stories/{story.public_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def act(client, story, action: str, html: str | None = None, **data):
    """POST one action from the review page the client has (or loads now), as the browser would."""
    html = html if html is not None else review_page(client, story)
    form = {"csrf_token": csrf_from(html), "seen_version": seen_version(html), **data}
    return client.post(f"/moderation/stories/{story.public_id}/{action}", data=form)


def fresh(obj):
    """Reload ``obj`` from the database."""
    session = db_session()
    session.expire_all()
    return session.get(type(obj), obj.id)
