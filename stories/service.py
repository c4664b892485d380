"""The storyteller's rules: share a story, find it by private link, change consent, withdraw."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.db import utcnow
from core.jobs import enqueue
from core.places import nation_for
from core.security import hash_token, new_token, token_matches
from core.signals import story_version_added, story_withdrawn
from core.storage import Storage
from moderation.workflow import transition
from stories import consent
from stories.models import Photo, Story, StoryVersion
from stories.photos import CleanPhoto


@dataclass
class StoryInput:
    """A validated story as the storyteller gave it (see ``stories.validation``)."""

    text: str
    town: str
    about: str | None = None
    title: str | None = None
    first_name: str | None = None
    email: str | None = None
    postcode_outward: str | None = None
    sites: list[str] = field(default_factory=list)
    diagnosis_year: int | None = None
    consents: dict[str, bool] = field(default_factory=dict)
    adult: bool = False
    own_story: bool = False


def create_story(
    session: Session,
    data: StoryInput,
    *,
    storage: Storage | None = None,
    photo: CleanPhoto | None = None,
    channel: str = "web",
    evidence: str | None = None,
    external_ref: str | None = None,
    with_token: bool = True,
) -> tuple[Story, str | None]:
    """Add a story, its first version and its consent rows; returns the story and its private-link token.

    The token is returned once and only its hash is kept. The caller commits; the
    photo is written to storage first and removed again if the commit fails.
    """
    if not (data.adult and data.own_story):
        raise ValueError("both confirmations are required")
    token = new_token() if with_token else None
    story = Story(
        channel=channel, external_ref=external_ref, token_hash=hash_token(token) if token else None,
        first_name=data.first_name, email=data.email, about=data.about, town=data.town,
        postcode_outward=data.postcode_outward, sites=list(data.sites), diagnosis_year=data.diagnosis_year,
        nation=nation_for(data.town, data.postcode_outward),
    )
    consent.record_initial(
        session, story, {**data.consents, "adult": data.adult, "own_story": data.own_story},
        channel=channel, evidence=evidence,
    )
    if photo is not None:
        if storage is None:
            raise ValueError("a photo needs a storage backend")
        key = f"photos/{uuid.uuid4().hex}.{photo.extension}"
        storage.put(key, photo.data, photo.content_type)
        story.photos.append(
            Photo(storage_key=key, content_type=photo.content_type, size=len(photo.data), width=photo.width, height=photo.height)
        )
    session.add(story)
    session.flush()
    record(session, "story_submitted", actor_kind="import" if channel != "web" else "storyteller", story_id=story.id,
           details={"channel": channel, "photo": photo is not None})
    add_version(session, story, text=data.text, title=data.title, kind="original")
    return story, token


def add_version(
    session: Session, story: Story, *, text: str, title: str | None, kind: str, author_user_id: int | None = None
) -> StoryVersion:
    """Append a version (never overwrite one) and make it the current one; it is tagged after commit."""
    number = (story.versions[-1].number + 1) if story.versions else 1
    version = StoryVersion(number=number, kind=kind, title=title, text=text, author_user_id=author_user_id)
    story.versions.append(version)
    session.flush()
    story.current_version_id = version.id
    story_version_added.send(session=session, story_id=story.id, version_id=version.id)
    return version


def resubmit(session: Session, story: Story, *, title: str | None, text: str) -> StoryVersion:
    """The storyteller's edit after a request for changes: a new version, back to review."""
    version = add_version(session, story, text=text, title=title, kind="resubmission")
    transition(session, story, "in_review", actor_kind="storyteller", reason="resubmitted with changes")
    story.changes_message = None
    return version


def discard_photo_files(storage: Storage, story: Story) -> None:
    """After a failed commit, remove the files ``create_story`` wrote."""
    for photo in story.photos:
        storage.delete(photo.storage_key)


def find_by_token(session: Session, token: str) -> Story | None:
    """The story a private link belongs to; a wrong or old token finds nothing."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    story = session.scalars(select(Story).where(Story.token_hash == digest)).first()
    if story is None or not token_matches(token, story.token_hash):
        return None
    return story


def withdraw(session: Session, story: Story, *, erase: bool) -> None:
    """The storyteller withdraws; with ``erase`` their words, photo and contact details go at once.

    A tombstone stays: the status, dates and the consent history.
    """
    if story.status != "withdrawn":
        transition(session, story, "withdrawn", actor_kind="storyteller", reason="withdrawn by the storyteller")
    story_withdrawn.send(session=session, story_id=story.id)
    if erase and story.erased_at is None:
        erase_content(session, story)
        enqueue("stories.jobs.erase_story", story.id, queue="high", session=session)


def erase_content(session: Session, story: Story) -> None:
    for version in list(story.versions):
        session.delete(version)
    story.versions.clear()
    story.current_version_id = None
    story.first_name = story.email = story.about = story.town = story.postcode_outward = story.nation = None
    story.sites = []
    story.diagnosis_year = None
    story.erased_at = utcnow()
    for photo in story.photos:
        photo.deleted_at = photo.deleted_at or utcnow()
    record(session, "story_erased", actor_kind="storyteller", story_id=story.id)
