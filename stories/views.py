"""The storyteller's pages: share a story, the receipt, the private link."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError

from core.db import db_session
from core.limits import limiter
from core.storage import file_response, get_storage
from moderation.workflow import PLAIN_STATUS
from stories import consent, service
from stories.forms import ABOUT_LABELS, SITE_LABELS, ConsentForm, ResubmitForm, ShareForm, WithdrawForm
from stories.mail import send_receipt
from stories.models import CONSENT_SCOPES
from stories.photos import MAX_BYTES, PhotoError, clean_photo

bp = Blueprint("stories", __name__)

# The order fields appear on the page, for the error summary.
SHARE_FIELDS = [
    "title", "text", "first_name", "email", "about", "town", "postcode", "sites", "diagnosis_year", "photo",
    *[f"consent_{scope}" for scope in CONSENT_SCOPES], "adult", "own_story", "csrf_token",
]


def _submission_limit() -> str:
    return current_app.config["SUBMISSION_RATE_LIMIT"]


@bp.get("/")
def home():
    return render_template("stories/home.html")


@bp.route("/share", methods=["GET", "POST"])
@limiter.limit(_submission_limit, methods=["POST"])
def share():
    form = ShareForm()
    if request.method == "GET":
        return render_template("stories/share.html", form=form, errors=[])
    if form.website_address.data:
        # A bot filled the hidden field: say thank you and keep nothing.
        return redirect(url_for("stories.received"))
    valid = form.validate()
    photo = None
    upload = form.photo.data
    if valid and upload and getattr(upload, "filename", ""):
        try:
            photo = clean_photo(upload.stream.read(MAX_BYTES + 1))
        except PhotoError as exc:
            form.photo.errors = [str(exc)]
            valid = False
    elif upload and getattr(upload, "filename", "") and not valid:
        form.photo.errors = list(form.photo.errors) + [
            "For your safety we do not keep a photo until the rest of the form is right. Please choose it again"
        ]
    if not valid:
        return render_template("stories/share.html", form=form, errors=_error_summary(form)), 400

    data = service.StoryInput(
        text=form.text.cleaned, town=form.town.cleaned, about=form.about.data, title=form.title.cleaned,
        first_name=form.first_name.cleaned, email=form.email.cleaned, postcode_outward=form.postcode.cleaned,
        sites=list(form.sites.data or []), diagnosis_year=form.diagnosis_year.cleaned, consents=form.consents(),
        adult=bool(form.adult.data), own_story=bool(form.own_story.data),
    )
    sess = db_session()
    storage = get_storage()
    story, token = service.create_story(sess, data, storage=storage, photo=photo, channel="web")
    try:
        sess.commit()
    except SQLAlchemyError:
        sess.rollback()
        service.discard_photo_files(storage, story)
        raise
    link = url_for("stories.my_story", token=token, _external=True)
    if story.email:
        send_receipt(current_app.config, story.email, link, _receipt_lines(story), _when(story.created_at))
    session["shared"] = {"story": story.public_id, "token": token, "emailed": bool(story.email and current_app.config.get("MAIL_SERVER"))}
    return redirect(url_for("stories.received"))


@bp.get("/share/received")
def received():
    shared = session.pop("shared", None)
    if not shared:
        return render_template("stories/received.html", story=None, link=None)
    story = service.find_by_token(db_session(), shared["token"])
    if story is None:
        return render_template("stories/received.html", story=None, link=None)
    link = url_for("stories.my_story", token=shared["token"], _external=True)
    return render_template(
        "stories/received.html", story=story, link=link, receipt=_receipt_lines(story), emailed=shared.get("emailed"),
        received_at=_when(story.created_at), wording_version=consent.wording().version,
    )


def _story_or_404(token: str):
    story = service.find_by_token(db_session(), token)
    if story is None:
        abort(404)
    return story


@bp.get("/my-story/<token>")
def my_story(token: str):
    story = _story_or_404(token)
    return _render_my_story(story, token, ConsentForm.for_story(story))


def _render_my_story(story, token: str, form: ConsentForm, status: int = 200, message: str | None = None,
                     resubmit_form: ResubmitForm | None = None):
    if resubmit_form is None and story.status == "changes_requested" and story.current_version:
        resubmit_form = ResubmitForm(data={"title": story.current_version.title, "text": story.current_version.text})
    return render_template(
        "stories/my_story.html", story=story, token=token, form=form, status_text=PLAIN_STATUS[story.status],
        history=sorted(story.consents, key=lambda row: (row.recorded_at, row.id)), wording=consent.wording(),
        about_labels=dict(ABOUT_LABELS), site_labels=dict(SITE_LABELS), message=message,
        scopes=CONSENT_SCOPES, current=consent.current_consents(story), resubmit_form=resubmit_form,
    ), status


@bp.post("/my-story/<token>/resubmit")
def resubmit(token: str):
    story = _story_or_404(token)
    form = ResubmitForm()
    consent_form = ConsentForm.for_story(story)
    if story.status != "changes_requested":
        return _render_my_story(story, token, consent_form, 400, "Your story is not waiting for changes.")
    if not form.validate():
        return _render_my_story(story, token, consent_form, 400, "Please check your story: " + "; ".join(
            e for f in (form.title, form.text, form.csrf_token) for e in f.errors), resubmit_form=form)
    sess = db_session()
    service.resubmit(sess, story, title=form.title.cleaned, text=form.text.cleaned)
    sess.commit()
    flash("Thank you. Your changes have been sent to our team.")
    return redirect(url_for("stories.my_story", token=token))


@bp.post("/my-story/<token>/consent")
def change_consent(token: str):
    story = _story_or_404(token)
    form = ConsentForm()
    if story.status == "withdrawn":
        return _render_my_story(story, token, form, 400, "Your story has been withdrawn, so there is nothing left to agree to.")
    if not form.validate():
        return _render_my_story(story, token, form, 400, "This form has expired. Please make your choices again.")
    sess = db_session()
    changed = consent.change_consents(sess, story, form.consents(), channel="web")
    sess.commit()
    flash("Your choices have been saved." if changed else "You did not change any of your choices.")
    return redirect(url_for("stories.my_story", token=token))


@bp.route("/my-story/<token>/withdraw", methods=["GET", "POST"])
def withdraw(token: str):
    story = _story_or_404(token)
    form = WithdrawForm()
    if request.method == "POST" and form.validate():
        sess = db_session()
        service.withdraw(sess, story, erase=form.choice.data == "delete")
        sess.commit()
        flash("Your story has been withdrawn and deleted." if form.choice.data == "delete" else "Your story has been withdrawn.")
        return redirect(url_for("stories.my_story", token=token))
    errors = [(f"{f.id}-0" if f.name == "choice" else f.id, e) for f in form for e in f.errors]
    status = 400 if request.method == "POST" else 200
    return render_template("stories/withdraw.html", story=story, token=token, form=form, errors=errors), status


@bp.get("/my-story/<token>/photo")
def my_photo(token: str):
    story = _story_or_404(token)
    if story.photo is None:
        abort(404)
    return file_response(story.photo.storage_key, story.photo.content_type)


def _error_summary(form) -> list[tuple[str, str]]:
    """(anchor, message) pairs in page order; a group links to its first option."""
    summary = []
    for name in SHARE_FIELDS:
        field = getattr(form, name, None)
        if field is None:
            continue
        for error in field.errors:
            if name == "csrf_token":
                summary.append(("text", "This form has expired. Please check your answers and send it again"))
                continue
            anchor = f"{field.id}-0" if name in {"about", "sites"} else field.id
            summary.append((anchor, error))
    return summary


def _receipt_lines(story) -> list[tuple[str, str]]:
    current = consent.current_consents(story)
    words = consent.wording()
    return [(words.label(scope), "Yes" if current.get(scope) and current[scope].granted else "No") for scope in CONSENT_SCOPES]


def _when(moment) -> str:
    return moment.strftime("%-d %B %Y at %H:%M UTC")
