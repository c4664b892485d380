"""Published stories at /stories: moderated text only, as far as the storyteller consented."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from core.db import db_session
from core.storage import file_response
from moderation.service import published

bp = Blueprint("published", __name__, url_prefix="/stories")


@bp.get("")
def index():
    return render_template("published/index.html", items=published(db_session()))


@bp.get("/<public_id>")
def story(public_id: str):
    items = published(db_session(), public_id=public_id, limit=1)
    if not items:
        abort(404)
    return render_template("published/story.html", item=items[0])


@bp.get("/<public_id>/photo")
def photo(public_id: str):
    items = published(db_session(), public_id=public_id, limit=1)
    if not items or not items[0].show_photo:
        abort(404)
    photo = items[0].story.photo
    return file_response(photo.storage_key, photo.content_type, cache_control="no-store")
