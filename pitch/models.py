"""Pitching's tables: the outlet directory, pitch packs, sends and coverage."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, new_public_id, utcnow

PACK_STATUSES = ("queued", "building", "ready", "failed", "revoked")


class Outlet(Base):
    __tablename__ = "outlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    nation: Mapped[str] = mapped_column(String(30))
    region: Mapped[str] = mapped_column(String(40))
    newsdesk_email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Pack(Base):
    """A pitch pack for one story: built by a job, stored as a zip, revoked if the storyteller withdraws."""

    __tablename__ = "packs"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    # The press officer's draft: headline, standfirst, quotes, spokesperson quote, embargo.
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the storyteller had agreed to when the pack was built (scopes to true/false).
    consent_snapshot: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    storage_key: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    built_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    sends: Mapped[list["Send"]] = relationship(back_populates="pack", order_by="Send.sent_at", cascade="all, delete-orphan")


class Send(Base):
    """The pack went to an outlet (and, later, what they said)."""

    __tablename__ = "sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("packs.id", ondelete="CASCADE"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"))
    outlet_name: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_on: Mapped[date | None] = mapped_column(Date)

    pack: Mapped[Pack] = relationship(back_populates="sends")


class Coverage(Base):
    """A story ran: where, when, a link, and the audience if known."""

    __tablename__ = "coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[int | None] = mapped_column(ForeignKey("packs.id", ondelete="SET NULL"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlets.id", ondelete="SET NULL"))
    outlet_name: Mapped[str] = mapped_column(String(200))
    ran_on: Mapped[date] = mapped_column(Date, index=True)
    link: Mapped[str] = mapped_column(String(500), default="")
    audience: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
