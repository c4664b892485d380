"""Tagging in the background: one Tagging per story version, written idempotently.

Ids in, nothing personal out. Re-tagging a version replaces its tags, so a job that
was killed and retried still leaves the story tagged exactly once.
"""
from __future__ import annotations

import logging
from typing import Any, Iterable

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.jobs import enqueue, job_session
from core.signals import story_version_added
from moderation.models import StoryTag, Tagging
from stories.models import Story, StoryVersion

log = logging.getLogger(__name__)

TAG_FIELDS = ("themes", "sites", "location", "places", "quotes", "pii", "flags", "flag_evidence")


JOB_BATCH = 50  # spaCy is much faster on a batch than on one text at a time


def tag_version(version_id: int) -> None:
    """The job: tag one story version (if it still exists and is not tagged yet) and store the result.

    It takes along up to ``JOB_BATCH - 1`` other untagged current versions, so a worker
    facing a queue of new stories tags them in batches; their own jobs then find them
    tagged and finish at once. Writing is idempotent, so a retried job changes nothing.
    """
    from sqlalchemy.exc import IntegrityError

    from moderation.nlp.pipeline import get_tagger

    tagger = get_tagger()
    for attempt in range(2):
        with job_session() as session:
            version = session.get(StoryVersion, version_id)
            if version is None:
                return  # erased meanwhile: nothing to tag
            done = session.scalar(select(Tagging.model_version).where(Tagging.version_id == version_id))
            if done == tagger.model_version:
                return
            batch = [version] + _companions(session, version_id, JOB_BATCH - 1)
            for item, result in zip(batch, tagger.tag_many((v.text for v in batch), batch_size=JOB_BATCH)):
                store_tagging(session, item, result, tagger.model_version)
            try:
                session.commit()
            except IntegrityError:
                # Another worker tagged one of these at the same moment: go again, as updates.
                session.rollback()
                if attempt:
                    raise
                continue
        log.info("tagged version %s (with %s more)", version_id, len(batch) - 1)
        return


def _companions(session: Session, version_id: int, limit: int) -> list[StoryVersion]:
    ids = [i for i in untagged_version_ids(session, limit + 1) if i != version_id][:limit]
    if not ids:
        return []
    return list(session.scalars(select(StoryVersion).where(StoryVersion.id.in_(ids)).order_by(StoryVersion.id)))


def store_tagging(session: Session, version: StoryVersion, result: dict[str, Any], model_version: str) -> Tagging:
    """Insert or replace the version's tags; refresh the story's queue tags if it is the current version."""
    values = {name: result.get(name) for name in TAG_FIELDS}
    values["flags"] = {name: bool(on) for name, on in (values["flags"] or {}).items()}
    values["location"] = (values["location"] or None) and str(values["location"])[:100]
    tagging = session.scalars(select(Tagging).where(Tagging.version_id == version.id)).first()
    if tagging is None:
        tagging = Tagging(version_id=version.id, story_id=version.story_id)
        session.add(tagging)
    for name, value in values.items():
        setattr(tagging, name, value if value is not None or name == "location" else [])
    tagging.model_version = model_version
    tagging.decisions = {}
    tagging.tagged_at = utcnow()
    session.flush()
    story_current = session.scalar(select(Story.current_version_id).where(Story.id == version.story_id))
    if story_current == version.id:
        refresh_story_tags(session, version.story_id, tagging)
    return tagging


def refresh_story_tags(session: Session, story_id: int, tagging: Tagging) -> None:
    tags = {f"theme:{t['slug']}" for t in tagging.themes or []}
    tags |= {f"site:{s}" for s in tagging.sites or []}
    tags |= {f"flag:{name}" for name, on in (tagging.flags or {}).items() if on}
    session.execute(delete(StoryTag).where(StoryTag.story_id == story_id))
    if tags:
        session.add_all(StoryTag(story_id=story_id, tag=tag) for tag in sorted(tags))
    # A plain UPDATE: tagging must not bump the story's version and turn a moderator's
    # open form into a false conflict.
    session.execute(
        update(Story).where(Story.id == story_id).values(safeguarding=bool((tagging.flags or {}).get("safeguarding")))
        .execution_options(synchronize_session=False)
    )


def _on_version_added(sender, session: Session, story_id: int, version_id: int, **_) -> None:
    enqueue(tag_version, version_id, session=session)


story_version_added.connect(_on_version_added, weak=False)


def untagged_version_ids(session: Session, limit: int | None = None) -> list[int]:
    """Current versions with no tags (e.g. Redis was down when they were saved)."""
    query = (
        select(Story.current_version_id)
        .where(Story.current_version_id.is_not(None), Story.erased_at.is_(None))
        .where(~exists().where(Tagging.version_id == Story.current_version_id))
        .order_by(Story.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def sweep(session: Session) -> int:
    """Queue a tagging job for every untagged current version; returns how many."""
    ids = untagged_version_ids(session)
    for version_id in ids:
        enqueue(tag_version, version_id, queue="low", session=session)
    session.commit()
    return len(ids)


def retag(session: Session, version_ids: Iterable[int], batch_size: int = 50, progress=None) -> int:
    """Tag versions in this process, in batches through ``nlp.pipe``."""
    from moderation.nlp.pipeline import get_tagger

    tagger = get_tagger()
    ids = list(version_ids)
    done = 0
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        versions = {v.id: v for v in session.scalars(select(StoryVersion).where(StoryVersion.id.in_(chunk)))}
        ordered = [versions[i] for i in chunk if i in versions]
        for version, result in zip(ordered, tagger.tag_many((v.text for v in ordered), batch_size=batch_size)):
            store_tagging(session, version, result, tagger.model_version)
        session.commit()
        done += len(ordered)
        if progress is not None:
            progress.update(len(chunk))
    return done


def worker_startup(app) -> list:
    """What a worker does before taking jobs: load the pipeline once, then catch up."""

    def preload() -> None:
        from moderation.nlp.pipeline import get_tagger

        get_tagger()

    def catch_up() -> None:
        from core.db import db_session

        count = sweep(db_session())
        log.info("sweep queued %s untagged versions", count)

    return [preload, catch_up]
