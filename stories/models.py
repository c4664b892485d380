"""The storyteller's side of the data: stories, their versions, consents and photos."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, new_public_id, utcnow

# One vocabulary everywhere: models, forms, the importer, the pitch rules.
CONSENT_SCOPES = ("website", "press", "interview", "name", "photo", "contact")
CONFIRMATIONS = ("adult", "own_story")
ABOUT_CHOICES = ("self", "carer", "bereaved")
CHANNELS = ("web", "paper", "phone", "event")
SITES = ("bones", "liver", "lungs", "brain", "skin", "lymph_nodes", "other", "not_said")
STATUSES = ("new", "in_review", "changes_requested", "approved", "rejected", "withdrawn")


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    status: Mapped[str] = mapped_column(String(30), default="new", index=True)
    # Optimistic locking: two people acting on the same story cannot both win.
    version_id: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    channel: Mapped[str] = mapped_column(String(10), default="web")
    external_ref: Mapped[str | None] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    first_name: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    about: Mapped[str | None] = mapped_column(String(10))
    town: Mapped[str | None] = mapped_column(String(100), index=True)
    postcode_outward: Mapped[str | None] = mapped_column(String(4))
    nation: Mapped[str | None] = mapped_column(String(30), index=True)
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    diagnosis_year: Mapped[int | None] = mapped_column(Integer)
    # Kept up to date by moderation: the version moderators and the tagger work on, and the
    # safeguarding flag that puts a story at the top of the queue.
    current_version_id: Mapped[int | None] = mapped_column(Integer, index=True)
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False)
    # A moderator's request for changes, shown on the private link until the storyteller resubmits.
    changes_message: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    versions: Mapped[list["StoryVersion"]] = relationship(
        back_populates="story", order_by="StoryVersion.number", cascade="all, delete-orphan"
    )
    consents: Mapped[list["Consent"]] = relationship(
        back_populates="story", order_by="Consent.id", cascade="all, delete-orphan"
    )
    photos: Mapped[list["Photo"]] = relationship(back_populates="story", order_by="Photo.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version_id}

    @property
    def current_version(self) -> "StoryVersion | None":
        return self.versions[-1] if self.versions else None

    @property
    def original_version(self) -> "StoryVersion | None":
        return self.versions[0] if self.versions else None

    @property
    def photo(self) -> "Photo | None":
        live = [p for p in self.photos if p.deleted_at is None]
        return live[-1] if live else None


# The queue's order: safeguarding first, then oldest first, within a status (migration 0004).
Index("ix_stories_queue", Story.status, Story.safeguarding.desc(), Story.created_at, Story.id)


class StoryStatusCount(Base):
    """How many stories each status has, kept by database triggers (migration 0004) for the queue's tabs."""

    __tablename__ = "story_status_counts"

    status: Mapped[str] = mapped_column(String(30), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class StoryVersion(Base):
    """Append-only text of a story. Version 1 is the storyteller's own words."""

    __tablename__ = "story_versions"
    __table_args__ = (UniqueConstraint("story_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="original")  # original, edit, redaction, resubmission
    title: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int | None] = mapped_column(Integer)  # None: the storyteller
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    story: Mapped[Story] = relationship(back_populates="versions")


class Consent(Base):
    """One answer to one consent question. Append-only: the newest row per scope is the answer."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    wording: Mapped[str] = mapped_column(String(300))
    wording_version: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    evidence: Mapped[str | None] = mapped_column(String(300))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    change: Mapped[str] = mapped_column(String(20), default="given")  # given, changed, withdrawn

    story: Mapped[Story] = relationship(back_populates="consents")


class Photo(Base):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    # A random key: it says nothing about the person.
    storage_key: Mapped[str] = mapped_column(String(255), unique=True)
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the storyteller removes it; the erasure job deletes the bytes, then the row.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    story: Mapped[Story] = relationship(back_populates="photos")
