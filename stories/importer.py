"""Stories collected on paper, by phone or at meet-ups, imported from JSON Lines.

Every record is checked before anything is written: one bad record and nothing is
imported. The same ``external_ref`` imported again changes nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.storage import Storage
from stories import service, validation
from stories.models import ABOUT_CHOICES, CHANNELS, CONSENT_SCOPES, SITES, Story

FIELDS = {
    "text", "title", "first_name", "email", "about", "town", "postcode", "sites", "diagnosis_year", "consents",
    "adult", "own_story", "channel", "consent_evidence", "external_ref",
}


class RecordError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Record:
    line: int
    data: service.StoryInput
    channel: str
    evidence: str | None
    external_ref: str | None


@dataclass
class ImportResult:
    errors: list[str]
    imported: list[tuple[str, str]]  # (external_ref or line number, story public id)


def parse_record(line_number: int, raw: bytes) -> Record:
    try:
        obj = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise RecordError("line", "not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise RecordError("line", f"not valid JSON ({exc.msg})") from None
    if not isinstance(obj, dict):
        raise RecordError("line", "must be a JSON object")
    unknown = sorted(set(obj) - FIELDS)
    if unknown:
        raise RecordError(unknown[0], "unknown field")

    def text_field(name: str, check):
        value = obj.get(name)
        if value is not None and not isinstance(value, str):
            raise RecordError(name, "must be text")
        try:
            return check(value)
        except validation.Invalid as exc:
            raise RecordError(name, str(exc)) from None

    text = text_field("text", validation.story_text)
    title = text_field("title", validation.title)
    first_name = text_field("first_name", validation.first_name)
    email = text_field("email", validation.email)
    town = text_field("town", validation.town)
    postcode = text_field("postcode", validation.postcode_outward)

    about = obj.get("about")
    if about is not None and about not in ABOUT_CHOICES:
        raise RecordError("about", f"must be one of {', '.join(ABOUT_CHOICES)}")
    sites = obj.get("sites") or []
    if not isinstance(sites, list) or any(site not in SITES for site in sites):
        raise RecordError("sites", f"must be a list of {', '.join(SITES)}")
    year = obj.get("diagnosis_year")
    if isinstance(year, bool) or (year is not None and not isinstance(year, (int, str))):
        raise RecordError("diagnosis_year", "must be a year, like 2021")
    try:
        diagnosis_year = validation.diagnosis_year(year)
    except validation.Invalid as exc:
        raise RecordError("diagnosis_year", str(exc)) from None

    consents = obj.get("consents") or {}
    if not isinstance(consents, dict):
        raise RecordError("consents", "must be an object of scopes to true or false")
    for scope, answer in consents.items():
        if scope not in CONSENT_SCOPES:
            raise RecordError(f"consents.{scope}", f"unknown scope (use {', '.join(CONSENT_SCOPES)})")
        if not isinstance(answer, bool):
            raise RecordError(f"consents.{scope}", "must be true or false")
    for name in ("adult", "own_story"):
        if obj.get(name) is not True:
            raise RecordError(name, "must be true")
    channel = obj.get("channel", "paper")
    if channel not in CHANNELS:
        raise RecordError("channel", f"must be one of {', '.join(CHANNELS)}")
    evidence = obj.get("consent_evidence")
    if channel != "web" and not (isinstance(evidence, str) and evidence.strip()):
        raise RecordError("consent_evidence", "say how consent was captured, e.g. “signed paper form, 3 May”")
    if evidence is not None and (not isinstance(evidence, str) or len(evidence) > 300):
        raise RecordError("consent_evidence", "must be text of 300 characters or fewer")
    ref = obj.get("external_ref")
    if ref is not None and (not isinstance(ref, str) or not ref.strip() or len(ref) > 100):
        raise RecordError("external_ref", "must be text of 1 to 100 characters")

    data = service.StoryInput(
        text=text, town=town, about=about, title=title, first_name=first_name, email=email,
        postcode_outward=postcode, sites=list(sites), diagnosis_year=diagnosis_year,
        consents={scope: consents.get(scope, False) for scope in CONSENT_SCOPES}, adult=True, own_story=True,
    )
    return Record(line_number, data, channel, evidence.strip() if evidence else None, ref.strip() if ref else None)


def import_stories(session: Session, raw: bytes, storage: Storage | None = None) -> ImportResult:
    records: list[Record] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = parse_record(number, line)
        except RecordError as exc:
            errors.append(f"line {number}: {exc}")
            continue
        if record.external_ref:
            if record.external_ref in seen:
                errors.append(f"line {number}: external_ref: repeats line {seen[record.external_ref]}")
                continue
            seen[record.external_ref] = number
        records.append(record)
    if errors:
        return ImportResult(errors, [])

    imported: list[tuple[str, str]] = []
    existing = {}
    refs = [r.external_ref for r in records if r.external_ref]
    if refs:
        existing = dict(session.execute(select(Story.external_ref, Story.public_id).where(Story.external_ref.in_(refs))).all())
    for record in records:
        label = record.external_ref or str(record.line)
        if record.external_ref in existing:
            imported.append((label, existing[record.external_ref]))
            continue
        story, _ = service.create_story(
            session, record.data, storage=storage, channel=record.channel, evidence=record.evidence,
            external_ref=record.external_ref, with_token=False,
        )
        imported.append((label, story.public_id))
    session.commit()
    return ImportResult([], imported)
