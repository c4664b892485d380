"""Personal-data findings on the review page: highlight, accept or dismiss, apply redactions."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import record
from moderation.models import Tagging, User
from stories.models import Story, StoryVersion
from stories.service import add_version

PII_LABELS = {
    "PERSON": "Name", "PHONE": "Phone", "EMAIL": "Email", "NHS_NUMBER": "NHS number", "POSTCODE": "Postcode",
    "STREET_ADDRESS": "Address", "DATE_OF_BIRTH": "Date of birth", "HOSPITAL": "Hospital",
}


def tagging_for_current(session: Session, story: Story) -> Tagging | None:
    if story.current_version_id is None:
        return None
    return session.scalars(select(Tagging).where(Tagging.version_id == story.current_version_id)).first()


def highlight(text: str, tagging: Tagging | None) -> list[dict]:
    """The text cut into plain pieces and findings, in order (overlapping findings: the first wins)."""
    if tagging is None:
        return [{"text": text, "finding": None}]
    pieces: list[dict] = []
    position = 0
    for index, finding in sorted(enumerate(tagging.pii or []), key=lambda item: (item[1]["start"], -item[1]["end"])):
        start, end = finding["start"], finding["end"]
        if start < position or end > len(text):
            continue
        if start > position:
            pieces.append({"text": text[position:start], "finding": None})
        pieces.append({
            "text": text[start:end],
            "finding": {**finding, "index": index, "label": PII_LABELS.get(finding["type"], finding["type"]),
                        "decision": (tagging.decisions or {}).get(str(index), "accept")},
        })
        position = end
    if position < len(text):
        pieces.append({"text": text[position:], "finding": None})
    return pieces


class FindingsError(ValueError):
    pass


def apply_redactions(session: Session, story: Story, user: User, decisions: dict[str, str]) -> StoryVersion:
    """Record each accept/dismiss, then save the text with accepted findings replaced as a new version."""
    from moderation.nlp.redact import apply_redactions as redact

    tagging = tagging_for_current(session, story)
    if tagging is None:
        raise FindingsError("This version has not been tagged yet, so there is nothing to redact.")
    kept = {}
    for index, _finding in enumerate(tagging.pii or []):
        choice = decisions.get(str(index), "accept")
        kept[str(index)] = "dismiss" if choice == "dismiss" else "accept"
    tagging.decisions = kept
    accepted = [finding for index, finding in enumerate(tagging.pii or []) if kept[str(index)] == "accept"]
    if not accepted:
        raise FindingsError("No findings are accepted, so there is nothing to redact.")
    current = story.current_version
    text = redact(current.text, accepted)
    version = add_version(session, story, text=text, title=current.title, kind="redaction", author_user_id=user.id)
    record(session, "redactions_applied", actor_kind="staff", actor_user_id=user.id, story_id=story.id,
           details={"accepted": len(accepted), "dismissed": len(kept) - len(accepted), "version": version.number})
    return version
