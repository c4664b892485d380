"""Moderation's tables: staff accounts, reviews (claim and decisions), notes and tags."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, new_public_id, utcnow

ROLES = ("moderator", "press_officer", "admin")
ROLE_NAMES = {"moderator": "Moderator", "press_officer": "Press officer", "admin": "Admin"}
REJECT_REASONS = {
    "not_relevant": "Not about secondary breast cancer",
    "spam": "Spam or advertising",
    "identifies_others": "Could identify someone without their consent",
    "safeguarding": "Safeguarding: being handled outside Storydesk",
    "legal": "Legal risk we cannot edit out",
    "duplicate": "A duplicate of another story",
    "other": "Another reason (see the note)",
}


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Changing it signs the user out everywhere (password change, deactivation).
    session_nonce: Mapped[str] = mapped_column(String(36), default=new_public_id)

    def get_id(self) -> str:
        return f"{self.public_id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def has_role(self, *roles: str) -> bool:
        return self.active and (self.role == "admin" or self.role in roles)


class Review(Base):
    """Moderation's record of one story: who holds it, and what was decided."""

    __tablename__ = "reviews"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_for_website: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    approved_for_press: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(String(30))

    claimed_by: Mapped[User | None] = relationship(lazy="joined")


class Note(Base):
    """Internal notes, for staff only."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class Tagging(Base):
    """What the tagger found in one story version (one row per version; re-tagging replaces it)."""

    __tablename__ = "taggings"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("story_versions.id", ondelete="CASCADE"), unique=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(String(100))
    themes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    sites: Mapped[list[str]] = mapped_column(JSON, default=list)
    location: Mapped[str | None] = mapped_column(String(100))
    places: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pii: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    flags: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    flag_evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Per personal-data finding (by index): "accept" or "dismiss".
    decisions: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    tagged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StoryTag(Base):
    """One row per theme, site and flag of a story's current tagging, for the queue's filters."""

    __tablename__ = "story_tags"
    __table_args__ = (Index("ix_story_tags_tag_story", "tag", "story_id"),)

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)  # "theme:waiting", "site:bones", "flag:spam"
