"""``flask stories import`` and ``flask demo load``."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.cli import fail
from core.db import db_session
from core.storage import get_storage
from stories.importer import import_stories
from stories.models import Story

stories_cli = AppGroup("stories", help="Stories collected on paper, by phone or at events.")
demo_cli = AppGroup("demo", help="Demo data for a newcomer's first run.")

DEMO_FILE = Path(__file__).with_name("data") / "demo_stories.jsonl"


@stories_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
def import_command(path: str) -> None:
    """Import stories and their consent records from a JSON Lines FILE (see the README)."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    result = import_stories(db_session(), raw, get_storage())
    if result.errors:
        for line in result.errors:
            click.echo(line, err=True)
        fail(f"nothing imported: {len(result.errors)} bad record(s)")
    for label, public_id in result.imported:
        click.echo(f"{label}\t{public_id}")


@demo_cli.command("load")
def demo_load() -> None:
    """Load a few fictional stories, once, so a new site has something to show."""
    session = db_session()
    if session.scalar(select(func.count()).select_from(Story)):
        click.echo("Stories already present: demo stories not loaded.")
        return
    result = import_stories(session, DEMO_FILE.read_bytes(), get_storage())
    if result.errors:
        fail("demo stories are invalid: " + "; ".join(result.errors))
    click.echo(f"Loaded {len(result.imported)} demo stories.")
