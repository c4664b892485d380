"""Staff accounts: passwords (argon2), sign-in with lock-out, roles."""
from __future__ import annotations

from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.db import db_session, new_public_id, utcnow
from moderation.models import ROLES, User

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 12

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths take the same time.
_DUMMY_HASH = _hasher.hash("not a real password, used for timing only")

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Sign in to see that page."
login_manager.session_protection = "strong"


class AccountError(ValueError):
    """A message safe to show (or to print on stderr from the CLI)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters long")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def create_user(session: Session, email: str, role: str, password: str, *, must_change: bool = False,
                actor_user_id: int | None = None) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("Enter a valid email address")
    if role not in ROLES:
        raise AccountError(f"The role must be one of {', '.join(ROLES)}")
    check_password_strength(password)
    if find_user(session, email):
        raise AccountError("There is already an account with that email address")
    user = User(email=email, role=role, password_hash=hash_password(password), must_change_password=must_change)
    session.add(user)
    session.flush()
    record(session, "user_created", actor_kind="staff" if actor_user_id else "system", actor_user_id=actor_user_id,
           details={"user": user.public_id, "role": role})
    return user


def set_role(session: Session, user: User, role: str, *, actor_user_id: int | None = None) -> None:
    if role not in ROLES:
        raise AccountError(f"The role must be one of {', '.join(ROLES)}")
    old, user.role = user.role, role
    user.session_nonce = new_public_id()
    record(session, "user_role_changed", actor_kind="staff" if actor_user_id else "system", actor_user_id=actor_user_id,
           details={"user": user.public_id, "from": old, "to": role})


def set_active(session: Session, user: User, active: bool, *, actor_user_id: int | None = None) -> None:
    user.active = active
    user.session_nonce = new_public_id()  # signs them out everywhere
    record(session, "user_activated" if active else "user_deactivated", actor_kind="staff" if actor_user_id else "system",
           actor_user_id=actor_user_id, details={"user": user.public_id})


def change_password(session: Session, user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.session_nonce = new_public_id()
    record(session, "password_changed", actor_kind="staff", actor_user_id=user.id)


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user, or None for any failure: unknown email, wrong password, locked or deactivated."""
    user = find_user(session, email)
    if user is None:
        _verify(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
            user.failed_logins = 0
            record(session, "user_locked", actor_kind="system", details={"user": user.public_id})
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    public_id, _, nonce = user_id.partition(":")
    user = db_session().scalars(select(User).where(User.public_id == public_id)).first()
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def role_required(*roles: str):
    """Staff only, with one of ``roles`` (admins may do everything)."""

    def decorator(view):
        view.required_roles = roles

        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            if current_user.must_change_password and request.endpoint != "accounts.change_password":
                return redirect(url_for("accounts.change_password"))
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


def init_app(app) -> None:
    login_manager.init_app(app)
    # Flask's own default (31 days) is always present, so this is set, not setdefault-ed.
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=int(app.config.get("STAFF_IDLE_MINUTES", 30)))
    app.config["SESSION_REFRESH_EACH_REQUEST"] = True
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", not (app.debug or app.testing))
