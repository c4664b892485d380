"""Background work for the storyteller's side. Ids in, nothing personal out."""
from __future__ import annotations

import logging

from sqlalchemy import select

from core.jobs import job_session
from core.signals import story_erased
from core.storage import get_storage
from stories.models import Photo, Story

log = logging.getLogger(__name__)


def erase_story(story_id: int) -> None:
    """Delete an erased story's files everywhere they are kept; safe to run twice."""
    storage = get_storage()
    with job_session() as session:
        story = session.get(Story, story_id)
        if story is None or story.erased_at is None:
            return
        for photo in session.scalars(select(Photo).where(Photo.story_id == story_id)).all():
            storage.delete(photo.storage_key)
            session.delete(photo)
        # Later packages (tags, pitch packs) erase what they hold.
        story_erased.send(session=session, story_id=story_id, storage=storage)
        session.commit()
    log.info("erased files of story %s", story_id)
