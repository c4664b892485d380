"""Staff sign-in, lock-out, sessions, the `flask users` commands and the admins' user pages."""
from __future__ import annotations

import time
from datetime import timedelta

import itsdangerous.timed
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db_session, utcnow
from moderation import accounts
from moderation.account_views import SIGN_IN_FAILED
from moderation.models import User
from tests.conftest import csrf_from
from tests.moderation.conftest import fresh, sign_in, token_from
from tests.staff import PASSWORD, REAL_HASHER

NEW_PASSWORD = "a brand new long password"


def signed_in(client) -> bool:
    response = client.get("/moderation")
    return response.status_code == 200


def user_by_email(email: str) -> User | None:
    session = db_session()
    session.expire_all()
    return session.scalars(select(User).where(User.email == email)).first()


def test_the_login_page_has_labelled_email_and_password_fields(client):
    html = client.get("/login").get_data(as_text=True)
    assert "Email address" in html and "Password" in html
    assert 'type="password"' in html


def test_signing_in_goes_to_the_queue_and_records_it(client, make_user):
    user = make_user("moderator")
    response = sign_in(client, user.email.upper())  # email is case-insensitive
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderation")
    assert signed_in(client)
    user = fresh(user)
    assert user.last_login_at is not None and user.failed_logins == 0
    assert db_session().scalars(select(AuditEvent).where(AuditEvent.action == "signed_in")).one().actor_user_id == user.id


def test_signing_in_returns_to_a_local_next_page_only(client, make_user):
    user = make_user("admin")
    assert sign_in(client, user.email, next_url="/admin/users").headers["Location"].endswith("/admin/users")
    other = make_user("moderator")
    elsewhere = sign_in(client.application.test_client(), other.email, next_url="//evil.example/x")
    assert "evil.example" not in elsewhere.headers["Location"]


def test_an_unknown_email_and_a_wrong_password_get_the_same_message(client, make_user):
    user = make_user("moderator")
    unknown = sign_in(client, "nobody@charity.example")
    wrong = sign_in(client, user.email, "not the password at all")
    assert unknown.status_code == wrong.status_code == 400
    unknown_html, wrong_html = unknown.get_data(as_text=True), wrong.get_data(as_text=True)
    assert SIGN_IN_FAILED in unknown_html and SIGN_IN_FAILED in wrong_html
    assert unknown_html.replace("nobody@charity.example", "X") == wrong_html.replace(user.email, "X").replace(
        csrf_from(wrong_html), csrf_from(unknown_html))
    assert not signed_in(client)


def test_five_failures_lock_the_account_even_against_the_right_password(client, make_user):
    user = make_user("moderator")
    for _ in range(5):
        assert sign_in(client, user.email, "wrong password here").status_code == 400
    assert fresh(user).locked_until is not None
    locked = sign_in(client, user.email)  # the right password
    assert locked.status_code == 400
    html = locked.get_data(as_text=True)
    assert SIGN_IN_FAILED in html
    # The page a locked account gets is the one an unknown email gets: it does not say the account exists.
    unknown = sign_in(client, "nobody@charity.example").get_data(as_text=True)
    assert html.replace(user.email, "X").replace(csrf_from(html), "T") == \
        unknown.replace("nobody@charity.example", "X").replace(csrf_from(unknown), "T")
    assert not signed_in(client)
    events = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "user_locked")).all()
    assert len(events) == 1


def test_the_lock_lasts_fifteen_minutes_then_the_right_password_works(client, make_user):
    user = make_user("moderator")
    for _ in range(5):
        sign_in(client, user.email, "wrong password here")
    user = fresh(user)
    remaining = user.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    user.locked_until = utcnow() + timedelta(minutes=1)
    db_session().commit()
    assert sign_in(client, user.email).status_code == 400
    user = fresh(user)
    user.locked_until = utcnow() - timedelta(seconds=1)
    db_session().commit()
    assert sign_in(client, user.email).status_code == 302
    assert signed_in(client)
    assert fresh(user).locked_until is None


def test_the_app_hashes_with_argon2id():
    hashed = REAL_HASHER.hash(PASSWORD)
    assert hashed.startswith("$argon2id$") and REAL_HASHER.verify(hashed, PASSWORD)


def test_the_password_is_stored_as_an_argon2id_hash(app):
    user = accounts.create_user(db_session(), "new@charity.example", "moderator", PASSWORD)
    db_session().commit()
    assert fresh(user).password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_the_session_cookie_is_httponly_samesite_lax_and_secure_outside_testing(app_factory, make_user):
    user = make_user("moderator")
    for settings, secure in (({"TESTING": True}, False), ({"TESTING": False, "SECRET_KEY": "s" * 40}, True)):
        app = app_factory(**settings)
        client = app.test_client()
        response = sign_in(client, user.email)
        assert response.status_code == 302
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "httponly" in flags and "samesite=lax" in flags
        assert ("secure" in flags) is secure
        assert any(part.startswith("expires=") for part in flags), "a staff session is a permanent, expiring one"


def test_sessions_expire_after_the_idle_time(client, make_user, login, monkeypatch):
    assert client.application.permanent_session_lifetime == timedelta(minutes=30)
    user = make_user("moderator")
    login(client, user)
    assert signed_in(client)
    later = time.time() + 29 * 60
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    assert signed_in(client), "each request refreshes the session"
    later += 31 * 60
    assert not signed_in(client)


def test_the_idle_time_is_configurable(app_factory):
    assert app_factory(STAFF_IDLE_MINUTES=5).permanent_session_lifetime == timedelta(minutes=5)


def test_signing_out_needs_a_post_with_the_csrf_token(client, make_user, login):
    user = make_user("moderator")
    login(client, user)
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={})
    assert signed_in(client), "a sign-out without the token is ignored"
    html = client.get("/moderation").get_data(as_text=True)
    response = client.post("/logout", data={"csrf_token": token_from(html)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not signed_in(client)


def test_a_one_time_password_must_be_changed_first(client, make_user, login):
    user = make_user("moderator", must_change_password=True)
    response = login(client, user)
    assert response.headers["Location"].endswith("/account/password")
    queue = client.get("/moderation")
    assert queue.status_code == 302 and queue.headers["Location"].endswith("/account/password")
    page = client.get("/account/password").get_data(as_text=True)
    short = client.post("/account/password", data={"csrf_token": csrf_from(page), "current": PASSWORD, "new": "short"})
    assert short.status_code == 400
    wrong = client.post("/account/password", data={"csrf_token": csrf_from(page), "current": "not it at all",
                                                   "new": NEW_PASSWORD})
    assert wrong.status_code == 400 and "Your current password is not right" in wrong.get_data(as_text=True)
    done = client.post("/account/password", data={"csrf_token": csrf_from(page), "current": PASSWORD, "new": NEW_PASSWORD})
    assert done.status_code == 302
    assert signed_in(client), "the browser that changed the password stays signed in"
    assert not fresh(user).must_change_password
    other = client.application.test_client()
    assert sign_in(other, user.email).status_code == 400
    assert sign_in(other, user.email, NEW_PASSWORD).status_code == 302


def test_a_deactivated_users_session_stops_working_and_they_cannot_sign_in(app, client, make_user, login):
    user = make_user("moderator")
    login(client, user)
    accounts.set_active(db_session(), user, False)
    db_session().commit()
    response = client.get("/moderation")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert sign_in(app.test_client(), user.email).status_code == 400


def test_the_login_form_is_rate_limited(app_factory, make_user):
    app = app_factory(LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [sign_in(client, "nobody@charity.example").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]


# --- the `flask users` commands -----------------------------------------------------------

def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_reads_the_password_from_stdin(app):
    result = cli(app, "users", "create", "Press@Charity.example", "--role", "press_officer", "--password-stdin",
                 input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "press@charity.example" in result.stdout
    user = user_by_email("press@charity.example")
    assert user.role == "press_officer" and user.password_hash.startswith("$argon2id$")
    assert sign_in(app.test_client(), "press@charity.example").status_code == 302


def test_users_create_prompts_for_the_password_twice(app):
    result = cli(app, "users", "create", "mod@charity.example", "--role", "moderator", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert user_by_email("mod@charity.example").role == "moderator"


def test_users_create_refuses_a_short_password_with_one_line_on_stderr(app):
    result = cli(app, "users", "create", "mod@charity.example", "--role", "moderator", "--password-stdin", input="short\n")
    assert result.exit_code != 0
    assert result.stderr.strip().count("\n") == 0 and "at least 12 characters" in result.stderr
    assert user_by_email("mod@charity.example") is None


def test_users_create_refuses_a_duplicate_and_an_unknown_role(app, make_user):
    make_user("moderator", email="taken@charity.example")
    result = cli(app, "users", "create", "taken@charity.example", "--role", "admin", "--password-stdin", input=PASSWORD)
    assert result.exit_code != 0 and "already an account" in result.stderr
    assert user_by_email("taken@charity.example").role == "moderator"
    result = cli(app, "users", "create", "x@charity.example", "--role", "boss", "--password-stdin", input=PASSWORD)
    assert result.exit_code != 0 and user_by_email("x@charity.example") is None


def test_users_set_role_changes_the_role_and_signs_them_out(app, make_user, login):
    user = make_user("moderator")
    client = app.test_client()
    login(client, user)
    result = cli(app, "users", "set-role", user.email, "press_officer")
    assert result.exit_code == 0, result.output
    assert user_by_email(user.email).role == "press_officer"
    assert client.get("/moderation").status_code == 302  # the old session no longer works
    missing = cli(app, "users", "set-role", "nobody@charity.example", "admin")
    assert missing.exit_code != 0 and missing.stderr.count("\n") == 1


def test_users_deactivate_signs_the_user_out(app, make_user, login):
    user = make_user("moderator")
    client = app.test_client()
    login(client, user)
    assert signed_in(client)
    result = cli(app, "users", "deactivate", user.email)
    assert result.exit_code == 0, result.output
    assert not user_by_email(user.email).active
    assert not signed_in(client)
    assert sign_in(app.test_client(), user.email).status_code == 400


def test_demo_admin_prints_the_email_and_one_time_password_once(app):
    result = cli(app, "users", "demo-admin")
    assert result.exit_code == 0, result.output
    lines = dict(line.strip().split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    email, password = lines["Email address"], lines["One-time password"]
    user = user_by_email(email)
    assert user.role == "admin" and user.must_change_password
    client = app.test_client()
    response = sign_in(client, email, password)
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    again = cli(app, "users", "demo-admin")
    assert again.exit_code == 0 and password not in again.output and "already exist" in again.output
    assert len(db_session().scalars(select(User)).all()) == 1


# --- /admin/users ---------------------------------------------------------------------------

def test_an_admin_creates_a_user_who_must_change_the_password(staff, app):
    admin_client, admin = staff("admin")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    response = admin_client.post("/admin/users", data={"csrf_token": csrf_from(page), "email": "New.Person@charity.example",
                                                       "role": "press_officer", "password": PASSWORD})
    assert response.status_code == 302
    assert "new.person@charity.example" in admin_client.get("/admin/users").get_data(as_text=True)
    user = user_by_email("new.person@charity.example")
    assert user.role == "press_officer" and user.must_change_password
    event = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "user_created")).one()
    assert event.actor_user_id == admin.id
    response = sign_in(app.test_client(), user.email)
    assert response.headers["Location"].endswith("/account/password")


def test_the_admin_form_refuses_a_short_password(staff):
    admin_client, _ = staff("admin")
    page = admin_client.get("/admin/users").get_data(as_text=True)
    response = admin_client.post("/admin/users", data={"csrf_token": csrf_from(page), "email": "p@charity.example",
                                                       "role": "moderator", "password": "short"})
    assert response.status_code == 400 and "at least 12 characters" in response.get_data(as_text=True)
    assert user_by_email("p@charity.example") is None


def test_an_admin_changes_a_role_and_deactivates_a_user(staff, app, make_user, login):
    admin_client, admin = staff("admin")
    user = make_user("moderator")
    user_client = app.test_client()
    login(user_client, user)
    page = admin_client.get("/admin/users").get_data(as_text=True)
    token = csrf_from(page)
    assert admin_client.post(f"/admin/users/{user.public_id}/role", data={"csrf_token": token, "role": "admin"}).status_code == 302
    assert user_by_email(user.email).role == "admin"
    login(user_client, user)
    assert user_client.get("/admin/users").status_code == 200
    assert admin_client.post(f"/admin/users/{user.public_id}/active", data={"csrf_token": token}).status_code == 302
    assert not user_by_email(user.email).active
    assert "Deactivated" in admin_client.get("/admin/users").get_data(as_text=True)
    assert user_client.get("/admin/users").status_code == 302
    # An admin cannot lock themselves out.
    admin_client.post(f"/admin/users/{admin.public_id}/active", data={"csrf_token": token})
    assert user_by_email(admin.email).active


def test_admin_actions_without_csrf_change_nothing(staff, make_user):
    admin_client, _ = staff("admin")
    user = make_user("moderator")
    admin_client.post(f"/admin/users/{user.public_id}/role", data={"role": "admin"})
    admin_client.post(f"/admin/users/{user.public_id}/active", data={})
    user = user_by_email(user.email)
    assert user.role == "moderator" and user.active


def test_a_non_admin_cannot_manage_users(staff, make_user):
    target = make_user("press_officer")
    for role in ("moderator", "press_officer"):
        client, _ = staff(role)
        page = client.get("/account/password").get_data(as_text=True)
        token = csrf_from(page)
        assert client.get("/admin/users").status_code == 403
        assert client.post("/admin/users", data={"csrf_token": token, "email": "x@charity.example", "role": "admin",
                                                 "password": PASSWORD}).status_code == 403
        assert client.post(f"/admin/users/{target.public_id}/role", data={"csrf_token": token, "role": "admin"}).status_code == 403
        assert client.post(f"/admin/users/{target.public_id}/active", data={"csrf_token": token}).status_code == 403
    target = user_by_email(target.email)
    assert target.role == "press_officer" and target.active
    assert user_by_email("x@charity.example") is None
