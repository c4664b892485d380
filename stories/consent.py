"""Consent: the one module every part asks before using a story.

Answers are rows (``Consent``), never flags: changing an answer adds a row, and
the newest row for a scope is the answer. A withdrawn story consents to nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from sqlalchemy.orm import Session

from core.audit import record
from core.db import utcnow
from core.signals import consent_withdrawn
from stories.models import CHANNELS, CONFIRMATIONS, CONSENT_SCOPES, Consent, Story

DATA = Path(__file__).with_name("data") / "consent.json"


@dataclass(frozen=True)
class Wording:
    version: str
    scopes: dict[str, dict[str, str]]
    confirmations: dict[str, dict[str, str]]

    def label(self, scope: str) -> str:
        if scope in self.scopes:
            return self.scopes[scope]["label"]
        return self.confirmations[scope]["label"]


@lru_cache(maxsize=1)
def wording() -> Wording:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    if set(raw["scopes"]) != set(CONSENT_SCOPES) or set(raw["confirmations"]) != set(CONFIRMATIONS):
        raise ValueError("consent.json must word exactly the consent scopes and confirmations")
    return Wording(raw["version"], raw["scopes"], raw["confirmations"])


def current_consents(story: Story) -> dict[str, Consent]:
    """The newest row per scope or confirmation."""
    newest: dict[str, Consent] = {}
    for row in story.consents:
        kept = newest.get(row.scope)
        if kept is None or (row.recorded_at, row.id or 0) >= (kept.recorded_at, kept.id or 0):
            newest[row.scope] = row
    return newest


def consent_for(story: Story, scope: str) -> bool:
    """May the story be used for ``scope``? Withdrawn or erased stories: never."""
    if scope not in CONSENT_SCOPES:
        raise ValueError(f"unknown consent scope {scope!r}")
    if story.status == "withdrawn" or story.erased_at is not None:
        return False
    row = current_consents(story).get(scope)
    return bool(row and row.granted)


def record_initial(
    session: Session, story: Story, answers: Mapping[str, bool], *, channel: str, evidence: str | None = None
) -> None:
    """Every scope and confirmation gets a row at submission, given or not."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    words = wording()
    now = utcnow()
    for scope in (*CONSENT_SCOPES, *CONFIRMATIONS):
        story.consents.append(
            Consent(
                scope=scope, granted=bool(answers.get(scope, False)), wording=words.label(scope),
                wording_version=words.version, channel=channel, evidence=evidence, recorded_at=now, change="given",
            )
        )


def change_consents(
    session: Session, story: Story, answers: Mapping[str, bool], *, channel: str = "web",
    evidence: str | None = None, actor_kind: str = "storyteller", actor_user_id: int | None = None,
) -> list[str]:
    """Add a row for each scope whose answer changed; returns the scopes changed."""
    words = wording()
    current = current_consents(story)
    now = utcnow()
    changed: list[str] = []
    for scope in CONSENT_SCOPES:
        if scope not in answers:
            continue
        new = bool(answers[scope])
        old = current.get(scope)
        if old is not None and old.granted == new:
            continue
        story.consents.append(
            Consent(
                scope=scope, granted=new, wording=words.label(scope), wording_version=words.version,
                channel=channel, evidence=evidence, recorded_at=now, change="changed" if new else "withdrawn",
            )
        )
        changed.append(scope)
    withdrawn = [scope for scope in changed if not answers[scope]]
    if withdrawn:
        consent_withdrawn.send(session=session, story_id=story.id, scopes=withdrawn)
    if changed:
        record(
            session, "consent_changed", actor_kind=actor_kind, actor_user_id=actor_user_id, story_id=story.id,
            details={"scopes": {scope: bool(answers[scope]) for scope in changed}},
        )
    return changed
