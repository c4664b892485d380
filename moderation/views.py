"""The moderators' pages: the queue and the review of one story."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core.audit import AuditEvent
from core.db import db_session
from core.security import csv_safe
from core.storage import file_response
from moderation import service
from moderation.accounts import role_required
from moderation.diff import side_by_side
from moderation.findings import PII_LABELS, highlight, tagging_for_current
from moderation.forms import ActionForm, ApproveForm, ChangesForm, EditForm, NoteForm, RejectForm
from moderation.models import REJECT_REASONS, Note, User
from moderation.queue import QueueFilters, queue_page, tab_counts
from moderation.workflow import PLAIN_STATUS, TransitionError
from stories.consent import consent_for, current_consents, wording
from stories.forms import ABOUT_LABELS, SITE_LABELS
from stories.models import CONSENT_SCOPES, STATUSES

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

TAB_NAMES = {
    "new": "New", "in_review": "In review", "changes_requested": "Changes requested",
    "approved": "Approved", "rejected": "Rejected", "withdrawn": "Withdrawn",
}
THEMES = [
    "diagnosis", "missed_signs", "waiting", "treatment", "side_effects", "specialist_nurse", "emotional_support",
    "family_carers", "work_money", "living_well", "end_of_life", "care_quality",
]
SITES = ["bones", "liver", "lungs", "brain", "skin", "lymph_nodes"]
FLAGS = ["safeguarding", "spam", "misinformation", "legal_risk"]
NATIONS = ["England", "Scotland", "Wales", "Northern Ireland"]


def _date(value: str | None, errors: list[str], label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"{label} must be a date, like 2026-03-31")
        return None


@bp.get("")
@role_required("moderator")
def queue():
    args = request.args
    errors: list[str] = []
    status = args.get("status", "new")
    if status not in STATUSES:
        status = "new"
    filters = QueueFilters(
        status=status,
        theme=args.get("theme") if args.get("theme") in THEMES else None,
        site=args.get("site") if args.get("site") in SITES else None,
        flag=args.get("flag") if args.get("flag") in FLAGS else None,
        nation=args.get("nation") if args.get("nation") in NATIONS else None,
        town=(args.get("town") or "").strip()[:100] or None,
        date_from=_date(args.get("from"), errors, "From"),
        date_to=_date(args.get("to"), errors, "To"),
        q=(args.get("q") or "").strip()[:200] or None,
        after=args.get("after") or None,
    )
    session = db_session()
    page = queue_page(session, filters)
    return render_template(
        "moderation/queue.html", page=page, filters=filters, counts=tab_counts(session), tabs=TAB_NAMES,
        themes=THEMES, sites=SITES, flags=FLAGS, nations=NATIONS, errors=errors,
    ), 400 if errors else 200


def _story_or_404(public_id: str):
    story = service.story_by_public_id(db_session(), public_id)
    if story is None:
        abort(404)
    return story


@bp.get("/stories/<public_id>")
@role_required("moderator")
def review(public_id: str):
    return _render_review(_story_or_404(public_id))


def _render_review(story, status: int = 200, forms: dict | None = None, errors: list[str] | None = None):
    session = db_session()
    review = session.get(service.Review, story.id)
    current = story.current_version
    original = story.original_version
    tagging = tagging_for_current(session, story)
    forms = forms or {}
    seen = {"seen_version": story.version_id}
    edit_form = forms.get("edit") or EditForm(data={**seen, "title": current.title if current else "", "text": current.text if current else ""})
    approve_form = forms.get("approve") or ApproveForm(data=seen)
    reject_form = forms.get("reject") or RejectForm(data=seen)
    changes_form = forms.get("changes") or ChangesForm(data=seen)
    action_form = ActionForm(data=seen)
    notes = session.scalars(select(Note).where(Note.story_id == story.id).order_by(Note.created_at)).all()
    events = session.scalars(select(AuditEvent).where(AuditEvent.story_id == story.id).order_by(AuditEvent.at, AuditEvent.id)).all()
    actors = {u.id: u.email for u in session.scalars(select(User).where(User.id.in_({e.actor_user_id for e in events if e.actor_user_id})))}
    diff = side_by_side(original.text, current.text) if original and current and original.id != current.id else None
    consents = current_consents(story)
    return render_template(
        "moderation/review.html", story=story, review=review, current=current, original=original,
        tagging=tagging, segments=highlight(current.text, tagging) if current else [], pii_labels=PII_LABELS,
        edit_form=edit_form, approve_form=approve_form, reject_form=reject_form, changes_form=changes_form,
        action_form=action_form, note_form=NoteForm(), notes=notes, events=events, actors=actors, diff=diff,
        status_text=PLAIN_STATUS[story.status], tab_names=TAB_NAMES, reject_reasons=REJECT_REASONS,
        consents=consents, scopes=CONSENT_SCOPES, wording=wording(), approvable=service.approvable_uses(story),
        about_labels=dict(ABOUT_LABELS), site_labels=dict(SITE_LABELS), errors=errors or [],
        photo_consented=consent_for(story, "photo"),
    ), status


def _act(public_id: str, form_class, action, form_key: str):
    """Run one staff action: CSRF, the seen version, conflicts and refusals all end in the page."""
    session = db_session()
    story = _story_or_404(public_id)
    form = form_class()
    if not form.validate():
        messages = [e for f in form for e in f.errors]
        if form.csrf_token.errors:
            messages = ["This form has expired. Please try again."]
        return _render_review(story, 400, {form_key: form}, messages)
    if hasattr(form, "seen") and form.seen() is None:
        # Every action form carries the version the moderator saw; without it nothing is checked, so refuse.
        return _render_review(story, 409, {form_key: form}, [service.CONFLICT_MESSAGE])
    try:
        message = action(session, story, form)
        session.commit()
    except (service.Conflict, service.ActionError, TransitionError) as exc:
        session.rollback()
        story = _story_or_404(public_id)
        return _render_review(story, 409 if isinstance(exc, service.Conflict) else 400, {form_key: form}, [str(exc)])
    except StaleDataError:
        session.rollback()
        story = _story_or_404(public_id)
        return _render_review(story, 409, {form_key: form}, [service.CONFLICT_MESSAGE])
    flash(message)
    return redirect(url_for("moderation.review", public_id=public_id))


@bp.post("/stories/<public_id>/claim")
@role_required("moderator")
def claim(public_id: str):
    def run(session, story, form):
        service.claim(session, story, current_user, form.seen())
        return "You have claimed this story."
    return _act(public_id, ActionForm, run, "action")


@bp.post("/stories/<public_id>/release")
@role_required("moderator")
def release(public_id: str):
    def run(session, story, form):
        service.release(session, story, current_user, form.seen())
        return "You have released this story back to the queue."
    return _act(public_id, ActionForm, run, "action")


@bp.post("/stories/<public_id>/edit")
@role_required("moderator")
def edit(public_id: str):
    def run(session, story, form):
        version = service.edit(session, story, current_user, form.seen(), title=form.title.data, text=form.text.data)
        return f"Saved as version {version.number}."
    return _act(public_id, EditForm, run, "edit")


@bp.post("/stories/<public_id>/approve")
@role_required("moderator")
def approve(public_id: str):
    def run(session, story, form):
        service.approve(session, story, current_user, form.seen(), uses=list(form.uses.data or []))
        return "Story approved."
    return _act(public_id, ApproveForm, run, "approve")


@bp.post("/stories/<public_id>/reject")
@role_required("moderator")
def reject(public_id: str):
    def run(session, story, form):
        service.reject(session, story, current_user, form.seen(), reason=form.reason.data or "", note=form.note.data)
        return "Story rejected."
    return _act(public_id, RejectForm, run, "reject")


@bp.post("/stories/<public_id>/request-changes")
@role_required("moderator")
def request_changes(public_id: str):
    def run(session, story, form):
        service.request_changes(session, story, current_user, form.seen(), message=form.message.data)
        return "Your message has been sent to the storyteller's private link."
    return _act(public_id, ChangesForm, run, "changes")


@bp.post("/stories/<public_id>/notes")
@role_required("moderator")
def add_note(public_id: str):
    def run(session, story, form):
        service.add_note(session, story, current_user, form.text.data)
        return "Note added."
    return _act(public_id, NoteForm, run, "note")


@bp.get("/stories/<public_id>/photo")
@role_required("moderator", "press_officer")
def photo(public_id: str):
    story = _story_or_404(public_id)
    if story.photo is None:
        abort(404)
    return file_response(story.photo.storage_key, story.photo.content_type)


@bp.post("/stories/<public_id>/redactions")
@role_required("moderator")
def redactions(public_id: str):
    from moderation.findings import FindingsError, apply_redactions

    def run(session, story, form):
        service._fresh(story, form.seen())
        service._holder_check(session, story, current_user, enforce_claim=True)
        decisions = {key[len("finding-"):]: value for key, value in request.form.items() if key.startswith("finding-")}
        try:
            version = apply_redactions(session, story, current_user, decisions)
        except FindingsError as exc:
            raise service.ActionError(str(exc)) from None
        return f"Redactions applied: saved as version {version.number}."
    return _act(public_id, ActionForm, run, "findings")


AUDIT_PAGE = 100


def _audit_query(args, errors: list[str]):
    query = select(AuditEvent)
    if args.get("action"):
        query = query.where(AuditEvent.action == args["action"][:40])
    if args.get("story"):
        story = service.story_by_public_id(db_session(), args["story"].strip())
        query = query.where(AuditEvent.story_id == (story.id if story else -1))
    if args.get("actor"):
        actor = db_session().scalars(select(User).where(User.email == args["actor"].strip().lower())).first()
        query = query.where(AuditEvent.actor_user_id == (actor.id if actor else -1))
    start, end = _date(args.get("from"), errors, "From"), _date(args.get("to"), errors, "To")
    from datetime import datetime, time, timedelta, timezone

    if start:
        query = query.where(AuditEvent.at >= datetime.combine(start, time.min, timezone.utc))
    if end:
        query = query.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min, timezone.utc))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _audit_rows(events):
    session = db_session()
    from stories.models import Story

    users = {u.id: u.email for u in session.scalars(select(User).where(User.id.in_({e.actor_user_id for e in events if e.actor_user_id})))}
    stories = dict(session.execute(select(Story.id, Story.public_id).where(Story.id.in_({e.story_id for e in events if e.story_id}))).all())
    return [
        {
            "at": e.at, "actor": users.get(e.actor_user_id) or e.actor_kind, "action": e.action,
            "story": stories.get(e.story_id, ""), "from": e.from_status or "", "to": e.to_status or "",
            "reason": e.reason or "",
        }
        for e in events
    ]


@bp.get("/audit")
@role_required("admin")
def audit():
    errors: list[str] = []
    query = _audit_query(request.args, errors)
    events = db_session().scalars(query.limit(AUDIT_PAGE)).all()
    actions = db_session().scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    return render_template("moderation/audit.html", rows=_audit_rows(events), actions=actions, args=request.args,
                           errors=errors), 400 if errors else 200


@bp.get("/audit.csv")
@role_required("admin")
def audit_csv():
    import csv
    import io

    errors: list[str] = []
    events = db_session().scalars(_audit_query(request.args, errors).limit(100_000)).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at", "actor", "action", "story", "from", "to", "reason"])
    for row in _audit_rows(events):
        writer.writerow([row["at"].isoformat(), row["actor"], row["action"], row["story"], row["from"], row["to"],
                         csv_safe(row["reason"])])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="storydesk-audit.csv"'
    return response
