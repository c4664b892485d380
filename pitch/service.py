"""Pitching's rules. Consent is enforced here, by the generator, not by anyone's memory:

- no press consent (or not approved for the press): no pitch at all;
- the first name only with name consent, otherwise an anonymous description;
- the photo only with photo consent, the interview offer only with interview consent;
- only the moderated text, never the storyteller's original.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import record
from core.db import utcnow
from core.jobs import enqueue
from moderation.models import Review, Tagging
from moderation.service import moderated_version
from pitch import documents
from pitch.directory import OutletRecord
from pitch.matching import rank_outlets
from pitch.models import Outlet, Pack
from pitch.outlets import record_of
from stories.consent import consent_for, current_consents, wording
from stories.models import CONSENT_SCOPES, Story

MAX_QUOTES = 4


class PitchError(Exception):
    """Refused: the message is safe to show (and to print on stderr)."""


def pitch_refusal(session: Session, story: Story) -> str | None:
    """Why this story cannot be pitched, or None when it can."""
    if story.status != "approved":
        return "Only stories approved by a moderator can be pitched."
    review = session.get(Review, story.id)
    if review is None or not review.approved_for_press:
        return "This story is not approved for the press."
    if not consent_for(story, "press"):
        return "The storyteller has not agreed to their story being shared with journalists."
    if moderated_version(story) is None:
        return "This story has no moderated text yet."
    return None


def pitchable_stories(session: Session, town: str | None = None, limit: int = 200) -> list[Story]:
    query = (
        select(Story).join(Review, Review.story_id == Story.id)
        .where(Story.status == "approved", Review.approved_for_press.is_(True), Story.erased_at.is_(None))
        .order_by(Review.approved_at.desc(), Story.id.desc())
    )
    if town:
        query = query.where(Story.town.ilike(f"%{town.strip()}%"))
    return [story for story in session.scalars(query.limit(limit)) if consent_for(story, "press")]


# --- who the storyteller is, as far as they agreed ---------------------------------------

def uses_name(story: Story) -> bool:
    return bool(story.first_name) and consent_for(story, "name")


def describe(story: Story) -> str:
    """The storyteller as a release may describe them: their first name only with consent."""
    town = story.town or "the UK"
    if uses_name(story):
        tails = {
            "carer": "who cares for a loved one living with secondary breast cancer",
            "bereaved": "whose loved one died of secondary breast cancer",
        }
        return f"{story.first_name}, from {town}, {tails.get(story.about, 'who is living with secondary breast cancer')},"
    anonymous = {
        "carer": f"a carer from {town} whose loved one is living with secondary breast cancer",
        "bereaved": f"someone from {town} whose loved one died of secondary breast cancer",
    }
    return anonymous.get(story.about, f"a person from {town} living with secondary breast cancer")


def short_name(story: Story) -> str:
    return story.first_name if uses_name(story) else "The storyteller"


def scrub_name(text: str, story: Story) -> str:
    """Without name consent, the first name never appears, even where a moderator missed it."""
    if uses_name(story) or not story.first_name:
        return text
    return re.sub(rf"\b{re.escape(story.first_name)}\b", "[name]", text, flags=re.IGNORECASE)


# --- the draft ------------------------------------------------------------------------------

@dataclass
class Draft:
    headline: str
    standfirst: str
    quotes: list[str] = field(default_factory=list)
    spokesperson_quote: str = ""
    embargo: str | None = None  # ISO datetime, or None for immediate release

    def embargo_at(self) -> datetime | None:
        if not self.embargo:
            return None
        moment = datetime.fromisoformat(self.embargo)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def quote_candidates(session: Session, story: Story) -> list[str]:
    """Ranked quote candidates, from the tags of the moderated version only."""
    version = moderated_version(story)
    if version is None:
        return []
    tagging = session.scalars(select(Tagging).where(Tagging.version_id == version.id)).first()
    if tagging is None:
        return []
    return [scrub_name(q["text"], story) for q in (tagging.quotes or [])][:8]


def default_draft(session: Session, story: Story, config) -> Draft:
    town = story.town or "Local"
    who = "carer" if story.about == "carer" else "family member" if story.about == "bereaved" else "resident"
    return Draft(
        headline=f"{town} {who} calls for better care for people with secondary breast cancer",
        standfirst=(
            f"{describe(story)[0].upper()}{describe(story)[1:]} is sharing their story as the charity "
            "warns that too many people with incurable breast cancer are not getting the care they need."
        ),
        quotes=quote_candidates(session, story)[:2],
        spokesperson_quote=config["SPOKESPERSON_QUOTE"],
    )


def check_draft(story: Story, draft: Draft) -> list[tuple[str, str]]:
    """Problems with a draft, as (field, message); quotes must come from the moderated text."""
    errors: list[tuple[str, str]] = []
    if not draft.headline.strip():
        errors.append(("headline", "Enter a headline"))
    elif len(draft.headline) > 200:
        errors.append(("headline", "The headline must be 200 characters or fewer"))
    if not draft.standfirst.strip():
        errors.append(("standfirst", "Enter a standfirst"))
    if not draft.spokesperson_quote.strip():
        errors.append(("spokesperson_quote", "Enter the spokesperson's quote"))
    if len(draft.quotes) > MAX_QUOTES:
        errors.append(("quotes", f"Choose {MAX_QUOTES} quotes or fewer"))
    version = moderated_version(story)
    text = _normalise(version.text if version else "")
    for quote in draft.quotes:
        if _normalise(quote) not in text and _normalise(quote) not in _normalise(scrub_name(version.text, story) if version else ""):
            errors.append(("quotes", "Each quote must be copied exactly from the moderated text of the story"))
            break
    if draft.embargo:
        try:
            draft.embargo_at()
        except ValueError:
            errors.append(("embargo", "The embargo must be a date and time, like 2026-12-01 00:01"))
    return errors


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("“", '"').replace("”", '"').replace("’", "'")).strip().lower()


# --- outlets --------------------------------------------------------------------------------

_OUTLET_COLUMNS = (Outlet.id, Outlet.public_id, Outlet.name, Outlet.kind, Outlet.areas, Outlet.nation, Outlet.region,
                   Outlet.newsdesk_email, Outlet.phone, Outlet.notes, Outlet.active)


def outlet_records(session: Session) -> tuple[list, list[OutletRecord]]:
    """Active outlets as plain rows (no ORM objects: a pack reads hundreds) and as matching records."""
    rows = list(session.execute(select(*_OUTLET_COLUMNS).where(Outlet.active.is_(True)).order_by(Outlet.name)))
    return rows, [record_of(row) for row in rows]


# Ranking every outlet for a place is the costly part of a pack; the result only changes when an
# outlet does, so it is kept per process, keyed by a cheap fingerprint of the outlet table.
_RANKED: dict[tuple, list[tuple]] = {}


def _outlets_fingerprint(session: Session) -> tuple:
    return tuple(session.execute(select(func.count(Outlet.id), func.max(Outlet.updated_at), func.sum(Outlet.id))).one())


def matched_outlets(session: Session, story: Story) -> list[tuple]:
    """(outlet row, Match) pairs, most local first; a row has id, public_id, name, kind, areas, contacts."""
    key = (_outlets_fingerprint(session), story.town, story.postcode_outward)
    ranked = _RANKED.get(key)
    if ranked is None:
        rows, records = outlet_records(session)
        by_name = {r.name: r for r in rows}
        ranked = [(by_name[m.outlet.name], m) for m in rank_outlets(records, story.town, story.postcode_outward)]
        if len(_RANKED) > 512:
            _RANKED.clear()
        _RANKED[key] = ranked
    return list(ranked)


# --- building the pack ------------------------------------------------------------------

@dataclass
class PackFiles:
    name: str
    files: dict[str, bytes]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "story").lower()).strip("-") or "story"


def build_pack_files(session: Session, story: Story, draft: Draft, config, photo_bytes: bytes | None = None,
                     today: date | None = None) -> PackFiles:
    refusal = pitch_refusal(session, story)
    if refusal:
        raise PitchError(refusal)
    today = today or date.today()
    town = story.town or "UK"
    name_ok, photo_ok, interview_ok = uses_name(story), consent_for(story, "photo"), consent_for(story, "interview")
    include_photo = photo_ok and story.photo is not None and photo_bytes is not None
    who = short_name(story)
    contact = documents.MediaContact(config["MEDIA_CONTACT_NAME"], config["MEDIA_CONTACT_EMAIL"], config["MEDIA_CONTACT_PHONE"])
    quotes = [scrub_name(q, story) for q in draft.quotes]
    description = describe(story)
    opening = (
        f"{description[0].upper()}{description[1:]} is sharing their experience to call for better care for everyone "
        "living with secondary breast cancer, the incurable form of the disease that kills around 31 people in the UK every day."
    )
    release = documents.PressRelease(
        headline=scrub_name(draft.headline, story), standfirst=scrub_name(draft.standfirst, story), town=town, date=today,
        storyteller_description=who, spokesperson_name=config["SPOKESPERSON_NAME"],
        spokesperson_role=config["SPOKESPERSON_ROLE"], spokesperson_quote=scrub_name(draft.spokesperson_quote, story),
        call_to_action=config["CALL_TO_ACTION"], media_contact=contact, body=[opening], quotes=quotes,
        embargo=draft.embargo_at(), interview_available=interview_ok,
        photo_caption=(f"{who if name_ok else 'The storyteller'}, from {town}. Photo supplied by the storyteller "
                       "and used with their permission.") if include_photo else None,
    )
    script = radio_script(story, quotes)
    radio = documents.RadioPitch(
        subject=f"Local story: {scrub_name(draft.headline, story)}",
        email_body=[
            "Hello,",
            f"{description[0].upper()}{description[1:]} has shared their story with us, and we think your "
            f"listeners in and around {town} would want to hear it.",
            "Around 11,400 people in the UK die of secondary breast cancer every year: 31 a day. We are campaigning "
            "for every person living with it to get the specialist care they need.",
            "The press release and a 30-second script are attached.",
        ],
        script=script, local_angle=f"The storyteller lives in {town}.", interview_available=interview_ok,
    )
    files = {
        f"press-release-{_slug(town)}.docx": documents.build_press_release(release),
        f"radio-pitch-{_slug(town)}.docx": documents.build_radio_pitch(radio),
        "outlets.csv": outlets_csv(session, story).encode("utf-8"),
        "consent-summary.txt": consent_summary(story, name_ok, include_photo, interview_ok).encode("utf-8"),
    }
    if include_photo:
        files[f"photo-{_slug(town)}.{story.photo.content_type.split('/')[-1].replace('jpeg', 'jpg')}"] = photo_bytes
    return PackFiles(f"pitch-pack-{_slug(town)}-{today.isoformat()}.zip", files)


SCRIPT_WORDS = 75  # 30 seconds at 150 words a minute


def radio_script(story: Story, quotes: list[str]) -> str:
    """About 75 words: 30 seconds read aloud at 150 words a minute."""
    town = story.town or "our area"
    who = short_name(story) if uses_name(story) else "One local person"
    situation = {
        "carer": "cares for someone living with secondary breast cancer",
        "bereaved": "lost a loved one to secondary breast cancer",
    }.get(story.about, "is living with secondary breast cancer")
    opening = f"{who} from {town} {situation}, and is speaking out so others know the signs."
    closing = ("Around 11,400 people in the UK die of secondary breast cancer every year. "
               "The charity wants a specialist nurse for everyone who needs one.")
    lines = [opening]
    budget = SCRIPT_WORDS - documents.words_in(opening) - documents.words_in(closing) - 3
    if quotes and budget >= 8:
        words = quotes[0].split()
        first = " ".join(words[:budget]) + ("…" if len(words) > budget else "")
        lines.append(f"In their words: {documents.quoted(first)}")
    lines.append(closing)
    return "\n\n".join(lines)


def outlets_csv(session: Session, story: Story) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "kind", "areas", "match_reason", "newsdesk_email", "phone"])
    for outlet, match in matched_outlets(session, story):
        writer.writerow([outlet.name, outlet.kind, ";".join(outlet.areas or []), match.reason, outlet.newsdesk_email, outlet.phone])
    return out.getvalue()


def consent_summary(story: Story, name_ok: bool, photo_included: bool, interview_ok: bool) -> str:
    words = wording()
    current = current_consents(story)
    lines = [
        "What the storyteller agreed to, when this pack was made",
        "",
        *[
            f"- {words.label(scope)}: {'Yes' if consent_for(story, scope) else 'No'}"
            f" (recorded {current[scope].recorded_at:%-d %B %Y}, wording version {current[scope].wording_version})"
            for scope in CONSENT_SCOPES if scope in current
        ],
        "",
        "So this pack:",
        f"- {'uses the first name' if name_ok else 'keeps the storyteller anonymous'}",
        f"- {'includes the photo' if photo_included else 'has no photo'}",
        f"- {'offers an interview' if interview_ok else 'does not offer an interview'}",
        "",
        "If the storyteller withdraws, we will ask you to remove their story. Please do not use it beyond this pack.",
    ]
    return "\n".join(lines) + "\n"


def zip_files(pack_files: PackFiles) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in pack_files.files.items():
            # .docx and photos are compressed already: storing them saves time and nothing else.
            compress = zipfile.ZIP_DEFLATED if name.endswith((".csv", ".txt")) else zipfile.ZIP_STORED
            archive.writestr(name, data, compress_type=compress)
    return out.getvalue()


def consent_snapshot(story: Story) -> dict[str, bool]:
    return {scope: consent_for(story, scope) for scope in CONSENT_SCOPES}


def request_pack(session: Session, story: Story, user, draft: Draft) -> Pack:
    """Save the draft as a queued pack; the build job runs after commit."""
    refusal = pitch_refusal(session, story)
    if refusal:
        raise PitchError(refusal)
    pack = Pack(story_id=story.id, created_by_id=user.id, status="queued", draft=asdict(draft),
                consent_snapshot=consent_snapshot(story))
    session.add(pack)
    session.flush()
    record(session, "pack_requested", actor_kind="staff", actor_user_id=user.id, story_id=story.id,
           details={"pack": pack.public_id})
    enqueue("pitch.jobs.build_pack", pack.id, session=session)
    return pack


def draft_of(pack: Pack) -> Draft:
    data = pack.draft or {}
    return Draft(data.get("headline", ""), data.get("standfirst", ""), list(data.get("quotes", [])),
                 data.get("spokesperson_quote", ""), data.get("embargo"))


def revoke_packs(session: Session, story_id: int) -> list[Pack]:
    """Withdrawal: every pack of the story stops downloading at once; the files go in a job."""
    packs = list(session.scalars(select(Pack).where(Pack.story_id == story_id, Pack.status != "revoked")))
    for pack in packs:
        pack.status = "revoked"
        pack.revoked_at = utcnow()
    if packs:
        record(session, "packs_revoked", actor_kind="system", story_id=story_id, details={"packs": len(packs)})
        enqueue("pitch.jobs.delete_pack_files", story_id, queue="high", session=session)
    return packs
