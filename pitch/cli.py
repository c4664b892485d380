"""``flask pitch build`` and ``flask pitch load-outlets``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from core.cli import fail
from core.db import db_session
from core.storage import get_storage, read_if_present
from moderation.service import story_by_public_id
from pitch import outlets, service

pitch_cli = AppGroup("pitch", help="Pitch packs and the outlet directory.")


@pitch_cli.command("load-outlets")
def load_outlets() -> None:
    """Load the starter directory of UK local media into an empty outlet table."""
    session = db_session()
    added = outlets.load_starter(session)
    session.commit()
    click.echo(f"Loaded {added} outlets." if added else "Outlets already present: starter directory not loaded.")


@pitch_cli.command("build")
@click.argument("story_id")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def build(story_id: str, out_dir: str) -> None:
    """Build the pitch pack of an approved-for-press story into OUT (the same zip the website builds)."""
    session = db_session()
    story = story_by_public_id(session, story_id)
    if story is None:
        fail(f"no story with the id {story_id}")
    refusal = service.pitch_refusal(session, story)
    if refusal:
        fail(refusal)
    photo = read_if_present(get_storage(), story.photo.storage_key if story.photo else None)
    try:
        files = service.build_pack_files(session, story, service.default_draft(session, story, current_app.config),
                                         current_app.config, photo_bytes=photo)
        target = Path(out_dir)
        target.mkdir(parents=True, exist_ok=True)
        path = target / files.name
        path.write_bytes(service.zip_files(files))
    except service.PitchError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot write to {out_dir}: {exc.strerror or exc}")
    click.echo(str(path))
