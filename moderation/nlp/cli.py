"""``flask nlp tag | sweep | retag``."""
from __future__ import annotations

import json
import sys
from datetime import datetime, time, timezone
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core.cli import fail
from core.db import db_session

nlp_cli = AppGroup("nlp", help="The tagger: tag texts, catch up untagged stories, re-tag.")

OUTPUT_KEYS = ("themes", "sites", "location", "places", "quotes", "pii", "flags")


def read_inputs(raw: bytes) -> list[tuple[object, str]]:
    """(id, text) pairs: JSON Lines with ``id`` and ``text``, or plain text with one story per line."""
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise ValueError("input is not valid UTF-8") from None
    first = next((line for line in lines if line.strip()), "")
    jsonl = first.lstrip().startswith("{")
    items: list[tuple[object, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not jsonl:
            items.append((number, line))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise ValueError(f"line {number}: text: required, as a string")
        items.append((obj.get("id", number), obj["text"]))
    return items


def public_result(item_id: object, result: dict) -> dict:
    out = {"id": item_id}
    for key in OUTPUT_KEYS:
        value = result.get(key)
        if key == "themes":
            value = [{"slug": t["slug"], "score": round(float(t["score"]), 4)} for t in value or []]
        out[key] = value
    return out


@nlp_cli.command("tag")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--batch-size", default=50, show_default=True)
def tag_command(path: str, batch_size: int) -> None:
    """Tag PATH (plain text, one story a line, or JSON Lines with id and text; - for standard input)."""
    try:
        raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    try:
        items = read_inputs(raw)
    except ValueError as exc:
        fail(str(exc))
    from moderation.nlp.pipeline import get_tagger

    tagger = get_tagger()
    out = sys.stdout
    for (item_id, _), result in zip(items, tagger.tag_many((text for _, text in items), batch_size=batch_size)):
        out.write(json.dumps(public_result(item_id, result), ensure_ascii=False) + "\n")
    out.flush()


@nlp_cli.command("sweep")
def sweep_command() -> None:
    """Queue tagging for every story whose current version has no tags."""
    from moderation.nlp.jobs import sweep

    click.echo(f"Queued {sweep(db_session())} untagged stories for tagging.")


@nlp_cli.command("retag")
@click.option("--all", "everything", is_flag=True, help="Re-tag every story's current version.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="Only stories changed since this date.")
def retag_command(everything: bool, since: datetime | None) -> None:
    """Re-tag stories here and now, in batches, with a progress bar."""
    from moderation.nlp.jobs import retag
    from stories.models import Story

    if not everything and since is None:
        fail("say which stories: --all, or --since YYYY-MM-DD")
    session = db_session()
    query = select(Story.current_version_id).where(Story.current_version_id.is_not(None), Story.erased_at.is_(None))
    if since is not None:
        query = query.where(Story.updated_at >= datetime.combine(since.date(), time.min, timezone.utc))
    ids = list(session.scalars(query.order_by(Story.id)))
    with click.progressbar(length=len(ids), label="Re-tagging", file=sys.stderr) as bar:
        done = retag(session, ids, progress=bar)
    click.echo(f"Re-tagged {done} stories.")
