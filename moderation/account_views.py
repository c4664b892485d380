"""Signing in and out, changing a password, and the admins' user management."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from core.audit import record
from core.db import db_session
from core.limits import limiter
from moderation import accounts
from moderation.accounts import role_required
from moderation.forms import EmptyForm, LoginForm, PasswordForm, UserForm, UserRoleForm
from moderation.models import ROLE_NAMES, User

bp = Blueprint("accounts", __name__)

SIGN_IN_FAILED = (
    "The email address or password is not right. After 5 wrong tries, signing in is paused for 15 minutes."
)


def _login_limit() -> str:
    return current_app.config.get("LOGIN_RATE_LIMIT", "20 per minute")


def _home_for(user: User) -> str:
    if user.has_role("moderator"):
        return url_for("moderation.queue")
    if "pitch" in current_app.blueprints:
        return url_for("pitch.index")
    return url_for("stories.home")


def _safe_next(target: str | None) -> str | None:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.validate():
            sess = db_session()
            user = accounts.authenticate(sess, form.email.data, form.password.data)
            if user is not None:
                record(sess, "signed_in", actor_kind="staff", actor_user_id=user.id)
                sess.commit()
                session.clear()
                session.permanent = True
                login_user(user)
                if user.must_change_password:
                    return redirect(url_for("accounts.change_password"))
                return redirect(_safe_next(request.args.get("next")) or _home_for(user))
            sess.commit()  # keeps the failure count
            errors = [("email", SIGN_IN_FAILED)]
        else:
            errors = [(f.id, e) for f in (form.email, form.password) for e in f.errors]
            if form.csrf_token.errors:
                errors.append(("email", "This form has expired. Please sign in again."))
        form.password.data = ""
    return render_template("accounts/login.html", form=form, errors=errors), 400 if errors else 200


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if current_user.is_authenticated and form.validate():
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required("moderator", "press_officer")
def change_password():
    form = PasswordForm()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.validate():
            sess = db_session()
            if not accounts._verify(current_user.password_hash, form.current.data):
                errors = [("current", "Your current password is not right")]
            else:
                accounts.change_password(sess, current_user, form.new.data)
                sess.commit()
                # The session nonce changed. Pass the user, not the proxy: Flask-Login keeps what it is
                # given as the current user, and a proxy to itself recurses without end.
                login_user(current_user._get_current_object())
                flash("Your password has been changed.")
                return redirect(_home_for(current_user))
        else:
            errors = [(f.id, e) for f in (form.current, form.new) for e in f.errors]
    return render_template("accounts/password.html", form=form, errors=errors), 400 if errors else 200


@bp.route("/admin/users", methods=["GET", "POST"])
@role_required("admin")
def users():
    sess = db_session()
    form = UserForm()
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.validate():
            try:
                accounts.create_user(sess, form.email.data, form.role.data, form.password.data, must_change=True,
                                     actor_user_id=current_user.id)
                sess.commit()
                flash(f"Account created for {accounts.normalise_email(form.email.data)}. They must change the password when they first sign in.")
                return redirect(url_for("accounts.users"))
            except accounts.AccountError as exc:
                sess.rollback()
                errors = [("email", str(exc))]
        else:
            errors = [(f.id, e) for f in (form.email, form.role, form.password) for e in f.errors]
        form.password.data = ""
    people = sess.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", form=form, people=people, errors=errors, role_names=ROLE_NAMES,
                           role_form=UserRoleForm, empty_form=EmptyForm()), 400 if errors else 200


def _user_or_404(public_id: str) -> User:
    user = db_session().scalars(select(User).where(User.public_id == public_id)).first()
    if user is None:
        abort(404)
    return user


@bp.post("/admin/users/<public_id>/role")
@role_required("admin")
def set_role(public_id: str):
    user = _user_or_404(public_id)
    form = UserRoleForm()
    if form.validate():
        sess = db_session()
        accounts.set_role(sess, user, form.role.data, actor_user_id=current_user.id)
        sess.commit()
        flash(f"{user.email} is now: {ROLE_NAMES[user.role]}.")
    return redirect(url_for("accounts.users"))


@bp.post("/admin/users/<public_id>/active")
@role_required("admin")
def set_active(public_id: str):
    user = _user_or_404(public_id)
    form = EmptyForm()
    if form.validate():
        if user.id == current_user.id:
            flash("You cannot deactivate your own account.")
            return redirect(url_for("accounts.users"))
        sess = db_session()
        accounts.set_active(sess, user, not user.active, actor_user_id=current_user.id)
        sess.commit()
        flash(f"{user.email} has been {'reactivated' if user.active else 'deactivated'}.")
    return redirect(url_for("accounts.users"))
