"""The moderators' rules: claim, edit, approve, reject, request changes, notes.

Each action takes the story version the moderator was looking at; if the story has
changed since, the action is refused with ``Conflict`` and nothing is overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from core.db import utcnow
from moderation.models import REJECT_REASONS, Note, Review, User
from moderation.workflow import transition
from stories.consent import consent_for
from stories.models import Story, StoryVersion
from stories.service import add_version
from stories.validation import Invalid, story_text, title as clean_title

CONFLICT_MESSAGE = "This story changed while you were looking at it. Nothing was saved: check the latest version and try again."


class Conflict(Exception):
    def __init__(self, message: str = CONFLICT_MESSAGE) -> None:
        super().__init__(message)


class ActionError(Exception):
    """An action that is not allowed now; the message is safe to show."""


def story_by_public_id(session: Session, public_id: str) -> Story | None:
    if not public_id or len(public_id) != 36:
        return None
    return session.scalars(select(Story).where(Story.public_id == public_id)).first()


def review_for(session: Session, story: Story) -> Review:
    review = session.get(Review, story.id)
    if review is None:
        review = Review(story_id=story.id, approved_for_website=False, approved_for_press=False)
        session.add(review)
    return review


def _fresh(story: Story, seen_version: int | None) -> None:
    if seen_version is not None and story.version_id != seen_version:
        raise Conflict()


def _touch(story: Story) -> None:
    # Every action bumps the story's version, so a second moderator's stale form is refused.
    story.updated_at = utcnow()


def _holder_check(session: Session, story: Story, user: User, enforce_claim: bool) -> Review:
    review = review_for(session, story)
    if story.status == "withdrawn":
        raise ActionError("This story has been withdrawn by the storyteller and can no longer be changed.")
    if enforce_claim and review.claimed_by_id not in (None, user.id):
        holder = review.claimed_by.email if review.claimed_by else "someone else"
        raise ActionError(f"This story is claimed by {holder} since {review.claimed_at:%-d %B %Y at %H:%M}.")
    return review


def claim(session: Session, story: Story, user: User, seen_version: int | None) -> None:
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim=True)
    if review.claimed_by_id == user.id:
        return
    review.claimed_by_id = user.id
    review.claimed_at = utcnow()
    if story.status == "new":
        transition(session, story, "in_review", actor_kind="staff", actor_user_id=user.id, reason="claimed")
    else:
        _touch(story)
    record(session, "story_claimed", actor_kind="staff", actor_user_id=user.id, story_id=story.id)


def release(session: Session, story: Story, user: User, seen_version: int | None) -> None:
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim=user.role != "admin")
    review.claimed_by_id = None
    review.claimed_at = None
    if story.status == "in_review":
        transition(session, story, "new", actor_kind="staff", actor_user_id=user.id, reason="released")
    else:
        _touch(story)
    record(session, "story_released", actor_kind="staff", actor_user_id=user.id, story_id=story.id)


def _ensure_claimed(session: Session, story: Story, user: User, review: Review) -> None:
    if review.claimed_by_id is None:
        review.claimed_by_id = user.id
        review.claimed_at = utcnow()
    if story.status == "new":
        transition(session, story, "in_review", actor_kind="staff", actor_user_id=user.id, reason="claimed")


def edit(session: Session, story: Story, user: User, seen_version: int | None, *, title: str | None, text: str) -> StoryVersion:
    """Save the moderated copy as a new version; the storyteller's original is never changed."""
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim=True)
    try:
        text = story_text(text)
        title = clean_title(title)
    except Invalid as exc:
        raise ActionError(str(exc)) from None
    current = story.current_version
    if current is not None and current.text == text and (current.title or None) == title:
        raise ActionError("Nothing was changed, so no new version was saved.")
    _ensure_claimed(session, story, user, review)
    version = add_version(session, story, text=text, title=title, kind="edit", author_user_id=user.id)
    _touch(story)
    record(session, "story_edited", actor_kind="staff", actor_user_id=user.id, story_id=story.id,
           details={"version": version.number})
    return version


def approvable_uses(story: Story) -> list[str]:
    """What an approval may be for: only what the storyteller consented to."""
    return [use for use in ("website", "press") if consent_for(story, use)]


def approve(session: Session, story: Story, user: User, seen_version: int | None, *, uses: list[str],
            enforce_claim: bool = True) -> None:
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim)
    uses = sorted(set(uses))
    if not uses:
        raise ActionError("Choose what the story is approved for: the website, the press, or both.")
    unknown = [use for use in uses if use not in ("website", "press")]
    if unknown:
        raise ActionError("A story can only be approved for the website or the press.")
    refused = [use for use in uses if not consent_for(story, use)]
    if refused:
        raise ActionError(f"The storyteller has not agreed to {' or '.join(_USE_WORDS[u] for u in refused)}.")
    _ensure_claimed(session, story, user, review)
    if story.status != "in_review":
        raise ActionError(f"Only a story in review can be approved; this one is {story.status.replace('_', ' ')}.")
    current = story.current_version
    if current is not None and current.author_user_id is None:
        # What is published is always a moderated version, never the storyteller's own copy.
        add_version(session, story, text=current.text, title=current.title, kind="moderated", author_user_id=user.id)
    review.approved_for_website = "website" in uses
    review.approved_for_press = "press" in uses
    review.approved_at = utcnow()
    review.rejection_reason = None
    transition(session, story, "approved", actor_kind="staff", actor_user_id=user.id,
               reason="approved for " + " and ".join(uses), details={"for": uses})


_USE_WORDS = {"website": "publishing on the website", "press": "sharing with journalists"}


def reject(session: Session, story: Story, user: User, seen_version: int | None, *, reason: str, note: str | None = None,
           enforce_claim: bool = True) -> None:
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim)
    if reason not in REJECT_REASONS:
        raise ActionError("Choose a reason for rejecting the story.")
    note = (note or "").strip() or None
    if reason == "other" and not note:
        raise ActionError("Add a note to say why the story is rejected.")
    _ensure_claimed(session, story, user, review)
    review.rejection_reason = reason
    review.approved_for_website = review.approved_for_press = False
    transition(session, story, "rejected", actor_kind="staff", actor_user_id=user.id, reason=REJECT_REASONS[reason],
               details={"reason": reason})
    if note:
        session.add(Note(story_id=story.id, author_id=user.id, text=note))


def request_changes(session: Session, story: Story, user: User, seen_version: int | None, *, message: str) -> None:
    _fresh(story, seen_version)
    review = _holder_check(session, story, user, enforce_claim=True)
    message = (message or "").strip()
    if not message:
        raise ActionError("Write a message to the storyteller saying what to change.")
    if len(message) > 2000:
        raise ActionError("The message must be 2,000 characters or fewer.")
    _ensure_claimed(session, story, user, review)
    story.changes_message = message
    review.approved_for_website = review.approved_for_press = False
    transition(session, story, "changes_requested", actor_kind="staff", actor_user_id=user.id, reason="changes requested")


def add_note(session: Session, story: Story, user: User, text: str) -> Note:
    text = (text or "").strip()
    if not text:
        raise ActionError("Write the note before saving it.")
    if len(text) > 5000:
        raise ActionError("A note must be 5,000 characters or fewer.")
    note = Note(story_id=story.id, author_id=user.id, text=text)
    session.add(note)
    record(session, "note_added", actor_kind="staff", actor_user_id=user.id, story_id=story.id)
    return note


def moderated_version(story: Story) -> StoryVersion | None:
    """The newest version a moderator wrote or approved: the only text ever published or pitched."""
    for version in reversed(story.versions):
        if version.author_user_id is not None:
            return version
    return None


@dataclass
class Published:
    story: Story
    version: StoryVersion
    byline: str
    show_photo: bool


def published(session: Session, public_id: str | None = None, limit: int = 50) -> list[Published]:
    """Approved-for-website stories the storyteller still consents to, newest approval first."""
    query = (
        select(Story).join(Review, Review.story_id == Story.id)
        .where(Story.status == "approved", Review.approved_for_website.is_(True), Story.erased_at.is_(None))
        .order_by(Review.approved_at.desc(), Story.id.desc())
    )
    if public_id is not None:
        query = query.where(Story.public_id == public_id)
    out: list[Published] = []
    offset = 0
    # Consent is checked here, story by story: read on in batches until the page is full.
    while len(out) < limit:
        batch = session.scalars(query.offset(offset).limit(limit * 2)).unique().all()
        offset += len(batch)
        for story in batch:
            version = moderated_version(story)
            if version is None or not consent_for(story, "website"):
                continue
            name = story.first_name if (story.first_name and consent_for(story, "name")) else "Anonymous"
            byline = f"{name}, {story.town}" if story.town else name
            out.append(Published(story, version, byline, bool(story.photo and consent_for(story, "photo"))))
            if len(out) >= limit:
                break
        if len(batch) < limit * 2:
            break
    return out
