"""Pitching's background work: build a pack, delete a withdrawn story's packs."""
from __future__ import annotations

import logging
import uuid

from flask import current_app
from sqlalchemy import select

from core.db import utcnow
from core.jobs import job_session
from core.signals import consent_withdrawn, story_erased, story_withdrawn
from core.storage import get_storage, read_if_present
from pitch import service
from pitch.models import Pack
from stories.models import Story

log = logging.getLogger(__name__)


def build_pack(pack_id: int) -> None:
    """Build the pack's zip and store it; refuse if consent or approval has gone meanwhile."""
    storage = get_storage()
    with job_session() as session:
        pack = session.get(Pack, pack_id)
        if pack is None or pack.status not in ("queued", "building", "failed"):
            return
        pack.status = "building"
        session.commit()
        story = session.get(Story, pack.story_id)
        photo_bytes = read_if_present(storage, story.photo.storage_key if story.photo else None)
        try:
            files = service.build_pack_files(session, story, service.draft_of(pack), current_app.config,
                                             photo_bytes=photo_bytes)
        except service.PitchError as exc:
            pack.status = "failed"
            pack.error = str(exc)[:300]
            session.commit()
            return
        data = service.zip_files(files)
        # The file name last: the local /files route names the download after it (S3 is told the name).
        key = f"packs/{uuid.uuid4().hex}/{files.name}"
        storage.put(key, data, "application/zip")
        session.refresh(pack)
        session.refresh(story)
        if pack.status == "revoked" or story.status == "withdrawn":
            # Withdrawn while we were building: the file must not outlive the decision.
            storage.delete(key)
            return
        pack.storage_key, pack.size, pack.status, pack.built_at, pack.error = key, len(data), "ready", utcnow(), None
        pack.draft = {**pack.draft, "filename": files.name}
        session.commit()
    log.info("built pack %s", pack_id)


def delete_pack_files(story_id: int) -> None:
    """Delete every stored pack of a withdrawn story; safe to run again."""
    storage = get_storage()
    with job_session() as session:
        for pack in session.scalars(select(Pack).where(Pack.story_id == story_id)):
            if pack.storage_key:
                storage.delete(pack.storage_key)
                pack.storage_key = None
            if pack.status != "revoked":
                pack.status, pack.revoked_at = "revoked", utcnow()
        session.commit()


def _on_withdrawn(sender, session, story_id: int, **_) -> None:
    service.revoke_packs(session, story_id)


def _on_erased(sender, session, story_id: int, storage=None, **_) -> None:
    """Erasure: the files go, and so do the drafts (they quote the story)."""
    storage = storage or get_storage()
    for pack in session.scalars(select(Pack).where(Pack.story_id == story_id)):
        if pack.storage_key:
            storage.delete(pack.storage_key)
            pack.storage_key = None
        pack.draft = {}
        if pack.status != "revoked":
            pack.status, pack.revoked_at = "revoked", utcnow()


def _on_consent_withdrawn(sender, session, story_id: int, scopes: list[str], **_) -> None:
    """A pack embodies the consent it was built under: taking back press, name, photo or
    interview consent revokes it, as a withdrawal does."""
    if set(scopes) & PACK_SCOPES:
        service.revoke_packs(session, story_id)


PACK_SCOPES = {"press", "name", "photo", "interview"}

story_withdrawn.connect(_on_withdrawn, weak=False)
consent_withdrawn.connect(_on_consent_withdrawn, weak=False)
story_erased.connect(_on_erased, weak=False)
