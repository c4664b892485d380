"""``flask users …`` and ``flask moderation approve|reject`` for operators and scripts."""
from __future__ import annotations

import secrets
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.cli import fail
from core.db import db_session
from moderation import accounts, service
from moderation.models import REJECT_REASONS, ROLES, User
from moderation.workflow import TransitionError

users_cli = AppGroup("users", help="Staff accounts.")
moderation_cli = AppGroup("moderation", help="The moderation state machine, from the command line.")


def _user(email: str) -> User:
    user = accounts.find_user(db_session(), email)
    if user is None:
        fail(f"no account with the email address {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create a staff account."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = db_session()
    try:
        user = accounts.create_user(session, email, role, password)
    except accounts.AccountError as exc:
        fail(str(exc))
    session.commit()
    click.echo(f"created {user.email} ({user.role})")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role(email: str, role: str) -> None:
    """Change a staff member's role."""
    session = db_session()
    user = _user(email)
    accounts.set_role(session, user, role)
    session.commit()
    click.echo(f"{user.email} is now {role}")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop an account from signing in (and sign it out everywhere)."""
    session = db_session()
    user = _user(email)
    accounts.set_active(session, user, False)
    session.commit()
    click.echo(f"{user.email} is deactivated")


@users_cli.command("demo-admin")
def demo_admin() -> None:
    """On a site with no accounts, create an admin with a one-time password and print both."""
    session = db_session()
    if session.scalar(select(func.count()).select_from(User)):
        click.echo("Staff accounts already exist: no demo admin created.")
        return
    password = secrets.token_urlsafe(12)
    user = accounts.create_user(session, "admin@storydesk.local", "admin", password, must_change=True)
    session.commit()
    click.echo("")
    click.echo("  Demo admin created. Sign in at http://127.0.0.1:5000/login")
    click.echo(f"  Email address: {user.email}")
    click.echo(f"  One-time password: {password}")
    click.echo("  You will be asked to choose a new password.")
    click.echo("")


def _story(story_id: str):
    story = service.story_by_public_id(db_session(), story_id)
    if story is None:
        fail(f"no story with the id {story_id}")
    return story


@moderation_cli.command("approve")
@click.argument("story_id")
@click.option("--for", "uses", required=True, help="website, press, or website,press")
@click.option("--by", "email", required=True, help="The staff member the approval is recorded as.")
def approve(story_id: str, uses: str, email: str) -> None:
    """Approve a story for the website and/or the press."""
    session = db_session()
    user = _user(email)
    if not user.has_role("moderator"):
        fail(f"{user.email} is not allowed to approve stories")
    story = _story(story_id)
    try:
        service.approve(session, story, user, None, uses=[u.strip() for u in uses.split(",") if u.strip()],
                        enforce_claim=False)
        session.commit()
    except (service.ActionError, TransitionError, service.Conflict) as exc:
        session.rollback()
        fail(str(exc))
    click.echo(f"{story.public_id} approved for {uses}")


@moderation_cli.command("reject")
@click.argument("story_id")
@click.option("--reason", required=True, type=click.Choice(list(REJECT_REASONS)))
@click.option("--note", default=None)
@click.option("--by", "email", required=True)
def reject(story_id: str, reason: str, note: str | None, email: str) -> None:
    """Reject a story with a reason."""
    session = db_session()
    user = _user(email)
    if not user.has_role("moderator"):
        fail(f"{user.email} is not allowed to reject stories")
    story = _story(story_id)
    try:
        service.reject(session, story, user, None, reason=reason, note=note, enforce_claim=False)
        session.commit()
    except (service.ActionError, TransitionError, service.Conflict) as exc:
        session.rollback()
        fail(str(exc))
    click.echo(f"{story.public_id} rejected")
