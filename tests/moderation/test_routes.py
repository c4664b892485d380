"""Every staff page checks, on the server, that you are signed in and that your role allows it.

The walk is over ``app.url_map``: a route added later without a check (or without an entry
in ACCESS below) fails here."""
from __future__ import annotations

import re
import uuid

import pytest

from tests.factories import make_story

PUBLIC_ENDPOINTS = {"static", "healthz", "local_file", "accounts.login", "accounts.logout"}
PUBLIC_BLUEPRINTS = {"stories", "published"}

MODERATOR = {"moderator", "admin"}
ADMIN = {"admin"}
STAFF = {"moderator", "press_officer", "admin"}
# Who may use each moderation and account endpoint. A new route in these blueprints must be added
# here; routes of other staff blueprints (pitch) must at least declare their roles with role_required.
LISTED_BLUEPRINTS = {"accounts", "moderation"}
ACCESS = {
    "accounts.change_password": STAFF,
    "accounts.users": ADMIN,
    "accounts.set_role": ADMIN,
    "accounts.set_active": ADMIN,
    "moderation.queue": MODERATOR,
    "moderation.review": MODERATOR,
    "moderation.claim": MODERATOR,
    "moderation.release": MODERATOR,
    "moderation.edit": MODERATOR,
    "moderation.approve": MODERATOR,
    "moderation.reject": MODERATOR,
    "moderation.request_changes": MODERATOR,
    "moderation.add_note": MODERATOR,
    "moderation.redactions": MODERATOR,
    "moderation.photo": {"moderator", "press_officer", "admin"},
    "moderation.audit": ADMIN,
    "moderation.audit_csv": ADMIN,
}


def is_public(endpoint: str) -> bool:
    return endpoint in PUBLIC_ENDPOINTS or endpoint.split(".", 1)[0] in PUBLIC_BLUEPRINTS


def staff_rules(app):
    return [rule for rule in app.url_map.iter_rules() if not is_public(rule.endpoint)]


def allowed_roles(app, endpoint: str) -> set[str]:
    if endpoint in ACCESS:
        return ACCESS[endpoint]
    return set(getattr(app.view_functions[endpoint], "required_roles", ())) | {"admin"}


def url_for_rule(rule, story_id: str, user_id: str) -> str:
    """The rule's path with a real user id (accounts), a real story id, or 1 for a number."""
    path = rule.rule
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        if converter == "IntegerConverter":
            value = "1"
        elif converter in ("UnicodeConverter", "PathConverter", "UUIDConverter"):
            value = user_id if rule.endpoint.startswith("accounts.") else story_id
        else:
            pytest.fail(f"{rule.endpoint}: teach test_routes what to put in <{name}> ({converter})")
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
    return path


def requests_for(app, story_id: str, user_id: str):
    for rule in staff_rules(app):
        path = url_for_rule(rule, story_id, user_id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def test_every_moderation_and_account_endpoint_has_an_access_rule(app):
    endpoints = {rule.endpoint for rule in staff_rules(app) if rule.endpoint.split(".")[0] in LISTED_BLUEPRINTS}
    assert endpoints == set(ACCESS), "add each new staff route to ACCESS (and protect it with role_required)"


def test_every_staff_view_declares_its_roles_and_they_match_access(app):
    for endpoint in {rule.endpoint for rule in staff_rules(app)}:
        declared = set(getattr(app.view_functions[endpoint], "required_roles", ()))
        assert declared, f"{endpoint} is not wrapped in role_required"
        if endpoint in ACCESS:
            assert declared | {"admin"} == ACCESS[endpoint], endpoint


def test_anonymous_requests_to_staff_pages_are_sent_to_sign_in(app, client, make_user):
    story, _ = make_story()
    user = make_user("moderator")
    failures = []
    for story_id in (story.public_id, str(uuid.uuid4())):  # a real id and an unknown one
        for endpoint, method, path in requests_for(app, story_id, user.public_id):
            response = client.open(path, method=method)
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not re.search(r"/login(\?|$)", location):
                failures.append(f"{method} {path} ({endpoint}): {response.status_code} {location}")
    assert failures == []


def test_a_role_without_access_gets_403_and_a_role_with_access_does_not(app, staff, make_user):
    story, _ = make_story()
    target = make_user("moderator")
    clients = {role: staff(role)[0] for role in ("moderator", "press_officer", "admin")}
    failures = []
    for endpoint, method, path in requests_for(app, story.public_id, target.public_id):
        for role, client in clients.items():
            response = client.open(path, method=method, data={})
            allowed = role in allowed_roles(app, endpoint)
            location = response.headers.get("Location", "")
            if not allowed and response.status_code != 403:
                failures.append(f"{role} {method} {path}: {response.status_code}, expected 403")
            # (Other blueprints may refuse a POST with 403 for their own reasons, e.g. no press consent.)
            business_refusal = method == "POST" and endpoint.split(".")[0] not in LISTED_BLUEPRINTS
            if allowed and ((response.status_code == 403 and not business_refusal) or "/login" in location):
                failures.append(f"{role} {method} {path}: {response.status_code} {location}, expected access")
    assert failures == []
    # Forms sent without a token changed nothing on the way.
    from tests.moderation.conftest import fresh

    assert fresh(story).status == "new" and fresh(target).active and fresh(target).role == "moderator"


def test_a_forbidden_role_gets_403_for_an_unknown_story_too(staff):
    client, _ = staff("press_officer")
    assert client.get(f"/moderation/stories/{uuid.uuid4()}").status_code == 403


def test_staff_urls_name_stories_by_uuid_not_by_number(staff):
    story, _ = make_story()
    client, _ = staff("moderator")
    html = client.get("/moderation").get_data(as_text=True)
    ids = re.findall(r'href="/moderation/stories/([^"/]+)"', html)
    assert ids == [story.public_id]
    uuid.UUID(ids[0])
    assert client.get(f"/moderation/stories/{story.id}").status_code == 404
    assert client.get(f"/moderation/stories/{uuid.uuid4()}").status_code == 404


def test_the_navigation_shows_each_role_only_its_pages(staff):
    moderator, _ = staff("moderator")
    html = moderator.get("/account/password").get_data(as_text=True)
    assert 'href="/moderation"' in html and 'href="/admin/users"' not in html and "/moderation/audit" not in html
    press, _ = staff("press_officer")
    html = press.get("/account/password").get_data(as_text=True)
    assert 'href="/moderation"' not in html and 'href="/admin/users"' not in html
    admin, _ = staff("admin")
    html = admin.get("/account/password").get_data(as_text=True)
    assert 'href="/moderation"' in html and 'href="/admin/users"' in html and 'href="/moderation/audit"' in html
