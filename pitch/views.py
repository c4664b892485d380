"""The press officers' pages: stories to pitch, drafts, packs, outlets and coverage."""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.audit import record
from core.db import db_session
from core.security import csv_safe
from core.storage import get_storage
from moderation.accounts import role_required
from moderation.service import moderated_version, story_by_public_id
from pitch import documents, outlets as outlet_service, service
from pitch.forms import CoverageForm, DraftForm, ImportForm, OutletForm, ReplyForm, SendForm
from pitch.models import Coverage, Outlet, Pack, Send
from stories.consent import consent_for
from stories.models import Story

bp = Blueprint("pitch", __name__, url_prefix="/pitch")

PACK_STATUS = {
    "queued": "Waiting to be built", "building": "Being built", "ready": "Ready to download",
    "failed": "Could not be built", "revoked": "Revoked: the storyteller withdrew their story or took back their consent",
}


@bp.get("")
@role_required("press_officer")
def index():
    town = (request.args.get("town") or "").strip()[:100]
    session = db_session()
    stories = service.pitchable_stories(session, town or None)
    return render_template("pitch/index.html", stories=stories, town=town,
                           versions={s.id: moderated_version(s) for s in stories})


def _story_or_404(public_id: str) -> Story:
    story = story_by_public_id(db_session(), public_id)
    if story is None:
        abort(404)
    return story


def _draft_from_form(form: DraftForm) -> service.Draft:
    chosen = [q for q in request.form.getlist("quote") if q.strip()]
    extra = [line.strip() for line in (form.extra_quotes.data or "").splitlines() if line.strip()]
    embargo = (form.embargo.data or "").strip()
    # "2026-12-01 00:01" is stored as ISO; anything else is kept as typed, to be shown back with its error.
    embargo = re.sub(r"^(\d{4}-\d{2}-\d{2})\s+(?=\d)", r"\1T", embargo) or None
    return service.Draft(
        headline=(form.headline.data or "").strip(), standfirst=(form.standfirst.data or "").strip(),
        quotes=chosen + extra, spokesperson_quote=(form.spokesperson_quote.data or "").strip(), embargo=embargo,
    )


@bp.route("/stories/<public_id>", methods=["GET", "POST"])
@role_required("press_officer")
def story(public_id: str):
    session = db_session()
    story = _story_or_404(public_id)
    refusal = service.pitch_refusal(session, story)
    config = current_app.config
    errors: list[tuple[str, str]] = []
    form = DraftForm()
    if request.method == "POST":
        if refusal:
            abort(403)
        draft = _draft_from_form(form)
        if not form.validate():
            errors = [(f.id, e) for f in form for e in f.errors]
            if form.csrf_token.errors:
                errors = [("headline", "This form has expired. Please check the draft and try again.")]
        errors += service.check_draft(story, draft)
        if not errors:
            pack = service.request_pack(session, story, current_user, draft)
            session.commit()
            return redirect(url_for("pitch.pack", public_id=pack.public_id))
    else:
        latest = session.scalars(select(Pack).where(Pack.story_id == story.id).order_by(Pack.created_at.desc())).first()
        draft = service.draft_of(latest) if latest and latest.draft else (
            service.default_draft(session, story, config) if not refusal else None)
    matches = service.matched_outlets(session, story)[:25] if not refusal else []
    script = service.radio_script(story, draft.quotes) if draft else ""
    packs = session.scalars(select(Pack).where(Pack.story_id == story.id).order_by(Pack.created_at.desc())).all()
    return render_template(
        "pitch/story.html", story=story, refusal=refusal, draft=draft, form=form, errors=errors, matches=matches,
        candidates=service.quote_candidates(session, story) if not refusal else [],
        version=moderated_version(story), describe=service.describe(story) if not refusal else "",
        uses_name=service.uses_name(story), photo_ok=consent_for(story, "photo") and story.photo is not None,
        interview_ok=consent_for(story, "interview"), script=script, script_words=documents.words_in(script),
        script_seconds=documents.reading_time_seconds(script), packs=packs, pack_status=PACK_STATUS,
    ), 400 if errors else 200


def _pack_or_404(public_id: str) -> Pack:
    pack = db_session().scalars(select(Pack).where(Pack.public_id == public_id)).first()
    if pack is None:
        abort(404)
    return pack


@bp.get("/packs/<public_id>")
@role_required("press_officer")
def pack(public_id: str):
    session = db_session()
    pack = _pack_or_404(public_id)
    story = session.get(Story, pack.story_id)
    matches = service.matched_outlets(session, story) if story.status != "withdrawn" else []
    send_form = SendForm(data={"sent_on": date.today()})
    send_form.outlet.choices = [(str(o.id), o.name) for o, _ in matches] or [("", "No matched outlets")]
    coverage = session.scalars(select(Coverage).where(Coverage.pack_id == pack.id).order_by(Coverage.ran_on)).all()
    return render_template(
        "pitch/pack.html", pack=pack, story=story, status_text=PACK_STATUS[pack.status], send_form=send_form,
        reply_form=ReplyForm(data={"replied_on": date.today()}), coverage_form=CoverageForm(data={"ran_on": date.today()}),
        coverage=coverage,
    )


@bp.get("/packs/<public_id>/status")
@role_required("press_officer")
def pack_status(public_id: str):
    pack = _pack_or_404(public_id)
    return jsonify(status=pack.status, text=PACK_STATUS[pack.status])


@bp.get("/packs/<public_id>/download")
@role_required("press_officer")
def download(public_id: str):
    pack = _pack_or_404(public_id)
    if pack.status == "revoked":
        return render_template("pitch/revoked.html", pack=pack), 410
    if pack.status != "ready" or not pack.storage_key:
        abort(404)
    session = db_session()
    record(session, "pack_downloaded", actor_kind="staff", actor_user_id=current_user.id, story_id=pack.story_id,
           details={"pack": pack.public_id})
    session.commit()
    return redirect(get_storage().download_url(pack.storage_key, filename=pack.draft.get("filename", "pitch-pack.zip")))


@bp.post("/packs/<public_id>/sends")
@role_required("press_officer")
def add_send(public_id: str):
    session = db_session()
    pack = _pack_or_404(public_id)
    form = SendForm()
    form.outlet.choices = [(str(o.id), o.name) for o in session.scalars(select(Outlet))]
    if pack.status != "ready":
        flash("Only a pack that is ready can be sent.")
    elif form.validate():
        outlet = session.get(Outlet, int(form.outlet.data)) if (form.outlet.data or "").isdigit() else None
        if outlet is None:
            flash("Choose an outlet.")
        else:
            session.add(Send(pack_id=pack.id, outlet_id=outlet.id, outlet_name=outlet.name, recipient=form.recipient.data or "",
                             sent_on=form.sent_on.data, sent_by_id=current_user.id))
            record(session, "pack_sent", actor_kind="staff", actor_user_id=current_user.id, story_id=pack.story_id,
                   details={"pack": pack.public_id, "outlet": outlet.public_id})
            session.commit()
            flash(f"Recorded as sent to {outlet.name}.")
    else:
        flash("; ".join(e for f in form for e in f.errors))
    return redirect(url_for("pitch.pack", public_id=public_id))


@bp.post("/sends/<int:send_id>/reply")
@role_required("press_officer")
def add_reply(send_id: int):
    session = db_session()
    send = session.get(Send, send_id)
    if send is None:
        abort(404)
    form = ReplyForm()
    if form.validate():
        send.reply, send.replied_on = form.reply.data, form.replied_on.data
        session.commit()
        flash(f"Reply from {send.outlet_name} recorded.")
    else:
        flash("; ".join(e for f in form for e in f.errors))
    return redirect(url_for("pitch.pack", public_id=send.pack.public_id))


@bp.post("/packs/<public_id>/coverage")
@role_required("press_officer")
def add_coverage(public_id: str):
    session = db_session()
    pack = _pack_or_404(public_id)
    form = CoverageForm()
    if form.validate():
        outlet = session.scalars(select(Outlet).where(Outlet.name == form.outlet_name.data.strip())).first()
        session.add(Coverage(story_id=pack.story_id, pack_id=pack.id, outlet_id=outlet.id if outlet else None,
                             outlet_name=form.outlet_name.data.strip(), ran_on=form.ran_on.data, link=form.link.data or "",
                             audience=form.audience.data, recorded_by_id=current_user.id))
        session.commit()
        flash("Coverage recorded.")
    else:
        flash("; ".join(e for f in form for e in f.errors))
    return redirect(url_for("pitch.pack", public_id=public_id))


@bp.get("/coverage")
@role_required("press_officer")
def coverage():
    session = db_session()
    rows = session.scalars(select(Coverage).order_by(Coverage.ran_on.desc())).all()
    pitches = Counter(p.created_at.strftime("%Y-%m") for p in session.scalars(select(Pack)))
    ran = Counter(c.ran_on.strftime("%Y-%m") for c in rows)
    months = sorted(set(pitches) | set(ran))[-12:]
    peak = max([pitches[m] for m in months] + [ran[m] for m in months] + [1])
    chart = [{"month": m, "pitches": pitches[m], "coverage": ran[m]} for m in months]
    return render_template("pitch/coverage.html", rows=rows, chart=chart, peak=peak)


@bp.get("/coverage.csv")
@role_required("press_officer")
def coverage_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["outlet", "date", "link", "audience"])
    for row in db_session().scalars(select(Coverage).order_by(Coverage.ran_on)):
        writer.writerow([csv_safe(row.outlet_name), row.ran_on.isoformat(), csv_safe(row.link), row.audience or ""])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="storydesk-coverage.csv"'})


# --- outlets ------------------------------------------------------------------------------

@bp.get("/outlets")
@role_required("press_officer")
def outlets():
    q = (request.args.get("q") or "").strip()[:100]
    rows = outlet_service.search(db_session(), q)
    return render_template("pitch/outlets.html", outlets=rows, q=q, import_form=ImportForm(), errors=[])


@bp.route("/outlets/new", methods=["GET", "POST"])
@bp.route("/outlets/<public_id>/edit", methods=["GET", "POST"])
@role_required("press_officer")
def edit_outlet(public_id: str | None = None):
    session = db_session()
    outlet = None
    if public_id:
        outlet = session.scalars(select(Outlet).where(Outlet.public_id == public_id)).first()
        if outlet is None:
            abort(404)
    form = OutletForm(obj=outlet if request.method == "GET" else None)
    if request.method == "GET":
        form.areas.data = "; ".join(outlet.areas) if outlet else ""
        form.active.data = outlet.active if outlet else True
    errors: list[tuple[str, str]] = []
    if request.method == "POST":
        if form.validate():
            try:
                outlet = outlet_service.save(session, outlet, form.data)
                session.commit()
                flash(f"{outlet.name} saved.")
                return redirect(url_for("pitch.outlets"))
            except outlet_service.OutletError as exc:
                session.rollback()
                errors = exc.errors
        else:
            errors = [(f.id, e) for f in form for e in f.errors]
    return render_template("pitch/outlet_form.html", form=form, outlet=outlet, errors=errors), 400 if errors else 200


@bp.post("/outlets/import")
@role_required("press_officer")
def import_outlets():
    session = db_session()
    form = ImportForm()
    errors: list[str] = []
    upload = form.file.data
    if not form.validate():
        errors = ["This form has expired. Please choose the file again."]
    elif not upload or not getattr(upload, "filename", ""):
        errors = ["Choose a CSV file to import"]
    else:
        raw = upload.stream.read(5 * 1024 * 1024 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text, errors = "", ["The file is not UTF-8 text. Save it from your spreadsheet as “CSV UTF-8”."]
        if not errors:
            count, errors = outlet_service.import_csv(session, text)
            if not errors:
                session.commit()
                flash(f"Imported {count} outlets.")
                return redirect(url_for("pitch.outlets"))
            session.rollback()
    rows = outlet_service.search(session, "")
    return render_template("pitch/outlets.html", outlets=rows, q="", import_form=form, errors=errors), 400


@bp.get("/outlets.csv")
@role_required("press_officer")
def export_outlets():
    return Response(outlet_service.export_csv(db_session()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="storydesk-outlets.csv"'})
