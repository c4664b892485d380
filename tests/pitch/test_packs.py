"""Pitch packs end to end: what goes in them (read back with python-docx) for every combination
of consents, only the moderated text, the build and the download, and withdrawal revoking them."""
from __future__ import annotations

import csv
import io
import itertools
import os
import re
import shutil
import subprocess
import urllib.request
import zipfile
from urllib.parse import parse_qs, urlsplit

import docx
import pytest
from sqlalchemy import select

from core.audit import AuditEvent
from core.db import db_session
from core.storage import S3Storage, get_storage
from pitch import service
from pitch.models import Pack, Send
from stories.consent import change_consents
from stories.models import Story
from stories.service import withdraw
from tests.conftest import csrf_from

ANONYMOUS = "a person from Barnsley living with secondary breast cancer"
CAPTION = "Photo supplied by the storyteller and used with their permission."
OUTLET_COLUMNS = ["name", "kind", "areas", "match_reason", "newsdesk_email", "phone"]


def paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style, text) of every paragraph, tables included, as Word would show them."""
    document = docx.Document(io.BytesIO(data))
    found = [(p.style.name, p.text) for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found += [(p.style.name, p.text) for p in cell.paragraphs]
    found.append(("Title property", document.core_properties.title or ""))
    return found


def text_of(data: bytes) -> str:
    return "\n".join(text for _, text in paragraphs(data))


def every_part(data: bytes) -> str:
    """Every XML part of a .docx, decoded: anything hidden in properties or headers shows up here."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def documents_in(archive: zipfile.ZipFile) -> tuple[str, str]:
    releases = [n for n in archive.namelist() if "release" in n and n.endswith(".docx")]
    radios = [n for n in archive.namelist() if "radio" in n and n.endswith(".docx")]
    assert len(releases) == 1 and len(radios) == 1, archive.namelist()
    return releases[0], radios[0]


def fresh(obj):
    session = db_session()
    session.expire_all()
    return session.get(type(obj), obj.id)


# --- every combination of consents ---------------------------------------------------------

COMBINATIONS = list(itertools.product((True, False), repeat=3))


@pytest.mark.parametrize(
    "name_ok,photo_ok,interview_ok", COMBINATIONS,
    ids=[f"name-{'yes' if n else 'no'}_photo-{'yes' if p else 'no'}_interview-{'yes' if i else 'no'}" for n, p, i in COMBINATIONS],
)
def test_the_pack_holds_only_what_the_storyteller_agreed_to(outlets, press, approved_story, pitching, photo,
                                                           name_ok, photo_ok, interview_ok):
    # Every story has a photo and a first name: only consent decides whether they are used.
    story, _ = approved_story(
        town="Barnsley", postcode_outward="S70", photo=photo(),
        consents={"website": True, "press": True, "name": name_ok, "photo": photo_ok, "interview": interview_ok},
    )
    pack = pitching.build(press, story)
    assert pack.status == "ready", pack.error
    assert {k: pack.consent_snapshot[k] for k in ("press", "name", "photo", "interview")} == {
        "press": True, "name": name_ok, "photo": photo_ok, "interview": interview_ok}

    archive = pitching.open_zip(pack)
    names = archive.namelist()
    release_name, radio_name = documents_in(archive)
    release_data, radio_data = archive.read(release_name), archive.read(radio_name)
    release, radio = text_of(release_data), text_of(radio_data)
    first_name = pitching.first_name

    # The name: in both documents with consent; nowhere at all without it (not in a file name, a
    # property, a quote, or the story text where the storyteller wrote it themselves).
    if name_ok:
        assert f"{first_name}, from Barnsley" in release
        assert f"{first_name} from Barnsley" in radio
        assert ANONYMOUS not in release
    else:
        assert ANONYMOUS[0].upper() + ANONYMOUS[1:] in release and ANONYMOUS[0].upper() + ANONYMOUS[1:] in radio
        everything = " ".join(names) + every_part(release_data) + every_part(radio_data) + pack.storage_key
        everything += "".join(archive.read(n).decode("utf-8") for n in names if n.endswith((".csv", ".txt")))
        assert first_name.lower() not in everything.lower()
        assert first_name.lower() not in (pack.draft.get("filename") or "").lower()

    # The photo: the file and its caption only with consent.
    photos = [n for n in names if n.startswith("photo")]
    captions = [text for style, text in paragraphs(release_data) if style == "Caption"]
    if photo_ok:
        assert photos == ["photo-barnsley.jpg"]
        assert archive.read(photos[0]) == get_storage().open(story.photos[0].storage_key)
        who = first_name if name_ok else "The storyteller"
        assert captions == [f"{who}, from Barnsley. {CAPTION}"]
        assert "Photo" in [text for style, text in paragraphs(release_data) if style == "Heading 2"]
    else:
        assert photos == []
        assert not any(name.lower().endswith((".jpg", ".jpeg", ".png", ".webp")) for name in names)
        assert CAPTION not in release and captions == []

    # The interview offer: in both documents only with consent.
    headings = [text for style, text in paragraphs(release_data) if style == "Heading 2"]
    if interview_ok:
        assert "Interviews" in headings
        assert "is available for interview" in release and "is available for interview" in radio
    else:
        assert "Interviews" not in headings
        assert "interview" not in release.lower() and "interview" not in radio.lower()

    # The outlets, most local first, and a consent summary.
    rows = list(csv.reader(io.StringIO(archive.read("outlets.csv").decode("utf-8"))))
    assert rows[0] == OUTLET_COLUMNS
    assert rows[1][0] == "Barnsley Chronicle" and "S70" in rows[1][3]
    assert all(row[3] for row in rows[1:])
    summary = archive.read("consent-summary.txt").decode("utf-8")
    assert ("uses the first name" if name_ok else "keeps the storyteller anonymous") in summary
    assert ("includes the photo" if photo_ok else "has no photo") in summary
    assert ("offers an interview" if interview_ok else "does not offer an interview") in summary
    assert f"Use my photo: {'Yes' if photo_ok else 'No'}" in summary
    assert set(names) == {release_name, radio_name, "outlets.csv", "consent-summary.txt", *photos}


def test_without_name_consent_a_name_typed_into_the_draft_never_reaches_the_pack(outlets, press, approved_story, pitching):
    story, _ = approved_story(consents={"website": True, "press": True, "interview": True})
    name = pitching.first_name
    html = pitching.story_page(press, story)
    candidates = re.findall(r'name="quote" value="([^"]*)"', html)
    assert not any(name in c for c in candidates)  # the candidates are scrubbed already
    pack = pitching.build(
        press, story, headline=f"{name} from Leeds calls for better care", standfirst=f"{name} is sharing her story.",
        spokesperson_quote=f"We are so grateful to {name} for speaking out.",
        extra_quotes=f"My friends still call me {name} the gardener",
    )
    assert pack.status == "ready", pack.error
    archive = pitching.open_zip(pack)
    for member in archive.namelist():
        data = archive.read(member)
        text = every_part(data) if member.endswith(".docx") else data.decode("utf-8", "replace")
        assert name.lower() not in text.lower(), member
    release_name, _ = documents_in(archive)
    assert "My friends still call me [name] the gardener" in text_of(archive.read(release_name))


def test_the_story_page_says_what_the_pack_may_use(outlets, press, approved_story, pitching, photo):
    story, _ = approved_story(town="Barnsley", postcode_outward="S70", photo=photo(),
                              consents={"website": True, "press": True})
    html = pitching.story_page(press, story)
    assert f"Keep them anonymous: the pack describes them as “{ANONYMOUS}”" in html
    assert "No photo may be used." in html and "No interview may be offered." in html
    assert pitching.first_name not in html.split('id="moderated-text"')[0]


# --- only the moderated text ---------------------------------------------------------------

def test_only_the_moderated_text_is_ever_used(outlets, press, approved_story, pitching, edited_texts):
    original, moderated = edited_texts
    story, _ = approved_story(text=original, edit=moderated,
                              consents={"website": True, "press": True, "name": True, "interview": True})
    removed_words = "Brenda Halloway"
    assert pitching.removed in story.versions[0].text  # the storyteller's own words are kept, never used

    html = pitching.story_page(press, story)
    assert removed_words not in html
    candidates = [c for c in re.findall(r'name="quote" value="([^"]*)"', html)]
    assert candidates, "the tagger found no quotes in the moderated text"
    assert not any(removed_words in c for c in candidates)
    assert service.quote_candidates(db_session(), story) == [c.replace("&#39;", "'") for c in candidates]

    # Every candidate and a quote copied by hand from the moderated text are accepted ...
    pack = pitching.build(press, story, quote=candidates[:3], extra_quotes=pitching.kept)
    assert pack.status == "ready", pack.error
    archive = pitching.open_zip(pack)
    release_name, radio_name = documents_in(archive)
    release = paragraphs(archive.read(release_name))
    quotes = [text for style, text in release if style == "Quote"]
    assert f"“{pitching.kept}”" in quotes and len(quotes) == min(3, len(candidates)) + 1
    for name in archive.namelist():
        data = archive.read(name)
        text = every_part(data) if name.endswith(".docx") else data.decode("utf-8", "replace")
        assert "Halloway" not in text and "number twelve" not in text, name
    assert "Halloway" not in str(fresh(pack).draft)

    # ... but a quote typed by hand that is not in the moderated text is refused, and nothing is queued.
    before = db_session().scalar(select(Pack.id).order_by(Pack.id.desc()))
    for typed in (pitching.removed, "Secondary breast cancer ruined my whole life."):
        response = pitching.request(press, story, extra_quotes=typed)
        assert response.status_code == 400
        assert "Each quote must be copied exactly from the moderated text of the story" in response.get_data(as_text=True)
    assert db_session().scalar(select(Pack.id).order_by(Pack.id.desc())) == before


# --- the flow: queued, built, downloaded ------------------------------------------------

def test_a_pack_is_queued_built_and_downloaded_from_storage(app, outlets, press, approved_story, pitching, run_jobs):
    story, _ = approved_story()
    response = pitching.request(press, story, headline="Leeds gardener calls for a specialist nurse for everyone")
    assert response.status_code == 302
    pack = pitching.pack(response.headers["Location"].rsplit("/", 1)[-1])
    assert pack.draft["headline"] == "Leeds gardener calls for a specialist nurse for everyone"
    assert db_session().scalars(select(AuditEvent).where(AuditEvent.action == "pack_requested")).one()
    if not app.config["JOBS_INLINE"]:
        assert pack.status == "queued"
        page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
        assert "Waiting to be built" in page and 'id="download"' not in page
        assert press.get(f"/pitch/packs/{pack.public_id}/download").status_code == 404
        run_jobs()
        pack = fresh(pack)
    assert pack.status == "ready" and pack.storage_key and pack.size
    page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Ready to download" in page and 'id="download"' in page
    assert press.get(f"/pitch/packs/{pack.public_id}/status").get_json() == {"status": "ready", "text": "Ready to download"}

    download = press.get(f"/pitch/packs/{pack.public_id}/download")
    assert download.status_code == 302
    location = download.headers["Location"]
    storage = get_storage()
    stored = storage.open(pack.storage_key)
    if isinstance(storage, S3Storage):
        query = parse_qs(urlsplit(location).query)
        assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
        assert "X-Amz-Signature" in query and "X-Amz-Credential" in query
        assert 0 < int(query["X-Amz-Expires"][0]) <= 900
        assert pack.draft["filename"] in query["response-content-disposition"][0]
        with urllib.request.urlopen(location, timeout=10) as fetched:
            data = fetched.read()
    else:
        assert urlsplit(location).path == f"/files/{pack.storage_key}"
        query = parse_qs(urlsplit(location).query)
        assert "signature" in query and "expires" in query
        fetched = app.test_client().get(location)  # the signed link is the permission: no sign-in needed
        assert fetched.status_code == 200 and fetched.headers["Cache-Control"] == "private, no-store"
        data = fetched.data
        tampered = location.replace(query["signature"][0], "0" * 64)
        assert app.test_client().get(tampered).status_code == 404
    assert data == stored
    assert pack.draft["filename"].startswith("pitch-pack-leeds-") and pack.draft["filename"].endswith(".zip")
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    events = db_session().scalars(select(AuditEvent).where(AuditEvent.action == "pack_downloaded")).all()
    assert len(events) == 1


def test_a_pack_whose_consent_went_before_it_was_built_is_revoked_without_a_file(app, outlets, press_officer,
                                                                                   approved_story, run_jobs):
    story, _ = approved_story()
    session = db_session()
    draft = service.default_draft(session, story, app.config)
    pack = service.request_pack(session, story, press_officer, draft)
    change_consents(session, story, {"press": False})  # in the same moment, before the job runs
    session.commit()
    run_jobs()
    pack = fresh(pack)
    assert pack.status == "revoked" and pack.storage_key is None


def test_the_build_job_checks_again_and_fails_a_story_no_longer_approved(app, outlets, press_officer,
                                                                         approved_story, run_jobs):
    from moderation.workflow import transition

    story, _ = approved_story()
    session = db_session()
    draft = service.default_draft(session, story, app.config)
    pack = service.request_pack(session, story, press_officer, draft)
    transition(session, story, "in_review", actor_kind="staff", actor_user_id=press_officer.id, reason="reopened")
    session.commit()
    run_jobs()
    pack = fresh(pack)
    assert pack.status == "failed" and pack.storage_key is None
    assert pack.error == "Only stories approved by a moderator can be pitched."


# --- withdrawal ---------------------------------------------------------------------------

def _mark_sent(client, pack, outlet_name: str, recipient: str):
    from pitch.models import Outlet

    outlet = db_session().scalars(select(Outlet).where(Outlet.name == outlet_name)).one()
    html = client.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Mark as sent" in html
    response = client.post(f"/pitch/packs/{pack.public_id}/sends", data={
        "csrf_token": csrf_from(html), "outlet": str(outlet.id), "recipient": recipient, "sent_on": "2026-11-20"})
    assert response.status_code == 302


def test_withdrawing_revokes_every_pack_at_once_and_deletes_the_files(app, outlets, press, approved_story, pitching,
                                                                    run_jobs):
    story, _ = approved_story()
    sent = pitching.build(press, story)
    unsent = pitching.build(press, story, headline="A second headline for the same story")
    keys = [sent.storage_key, unsent.storage_key]
    storage = get_storage()
    assert all(storage.exists(key) for key in keys)
    _mark_sent(press, sent, "Yorkshire Evening Post", "newsdesk@yep.example")
    _mark_sent(press, sent, "BBC Radio Leeds", "Jo at the breakfast show")

    session = db_session()
    withdraw(session, session.get(Story, story.id), erase=False)
    session.commit()

    # At once, before any job has run: every pack is revoked and no download is possible.
    for pack in (sent, unsent):
        pack = fresh(pack)
        assert pack.status == "revoked" and pack.revoked_at is not None
        response = press.get(f"/pitch/packs/{pack.public_id}/download")
        assert response.status_code == 410
        assert "This pack has been revoked" in response.get_data(as_text=True)
    run_jobs()
    for key, pack in zip(keys, (sent, unsent)):
        assert storage.exists(key) is False
        assert fresh(pack).storage_key is None
        assert press.get(f"/pitch/packs/{pack.public_id}/download").status_code == 410

    page = press.get(f"/pitch/packs/{sent.public_id}").get_data(as_text=True)
    assert "Revoked: the storyteller withdrew their story" in page
    revoked = page.split('id="revoked"', 1)[1]
    assert "Ask each of them to remove the story" in revoked
    assert "Yorkshire Evening Post (newsdesk@yep.example), sent 20 November 2026" in revoked
    assert "BBC Radio Leeds (Jo at the breakfast show)" in revoked
    assert 'id="download"' not in page and "Mark as sent" not in page
    assert "It had not been sent to any outlet." in press.get(f"/pitch/packs/{unsent.public_id}").get_data(as_text=True)
    assert db_session().scalars(select(AuditEvent).where(AuditEvent.action == "packs_revoked")).one().details == {"packs": 2}

    # And the story cannot be pitched again.
    html = pitching.story_page(press, story)
    assert "This story cannot be pitched" in html and "Build pitch pack" not in html
    assert press.post(f"/pitch/stories/{story.public_id}", data=pitching.forged_draft(press)).status_code == 403


def test_withdraw_and_delete_on_the_private_link_revokes_and_clears_the_drafts(app, outlets, press, approved_story,
                                                                              pitching, run_jobs):
    story, token = approved_story()
    pack = pitching.build(press, story)
    key = pack.storage_key
    assert "Halloway" not in str(pack.draft) and pack.draft["headline"]

    storyteller = app.test_client()
    html = storyteller.get(f"/my-story/{token}/withdraw").get_data(as_text=True)
    response = storyteller.post(f"/my-story/{token}/withdraw", data={"csrf_token": csrf_from(html), "choice": "delete"})
    assert response.status_code == 302
    assert press.get(f"/pitch/packs/{pack.public_id}/download").status_code == 410
    run_jobs()

    pack = fresh(pack)
    assert pack.status == "revoked" and pack.draft == {} and pack.storage_key is None
    assert get_storage().exists(key) is False
    page = press.get(f"/pitch/packs/{pack.public_id}")
    assert page.status_code == 200 and "This pack has been revoked" in page.get_data(as_text=True)


def test_sends_survive_revocation_for_the_removal_requests(outlets, press, approved_story, pitching):
    story, _ = approved_story()
    pack = pitching.build(press, story)
    _mark_sent(press, pack, "LeedsLive", "")
    session = db_session()
    withdraw(session, session.get(Story, story.id), erase=True)
    session.commit()
    assert [s.outlet_name for s in db_session().scalars(select(Send).where(Send.pack_id == pack.id))] == ["LeedsLive"]


# --- a real pack's press release opens in LibreOffice ------------------------------------------

def test_a_generated_press_release_converts_to_pdf(outlets, press, approved_story, pitching, photo, tmp_path):
    libreoffice = shutil.which("libreoffice") or shutil.which("soffice")
    if libreoffice is None:
        if "CI" in os.environ:
            pytest.fail("libreoffice is not installed, and CI needs this test to run")
        pytest.skip("libreoffice is not installed")
    story, _ = approved_story(photo=photo(), consents={"website": True, "press": True, "name": True, "photo": True,
                                                      "interview": True})
    pack = pitching.build(press, story, embargo="2026-12-01 00:01")
    archive = pitching.open_zip(pack)
    release_name, _ = documents_in(archive)
    assert text_of(archive.read(release_name)).startswith("EMBARGOED UNTIL 00:01 Tuesday 1 December 2026")
    source = tmp_path / release_name
    source.write_bytes(archive.read(release_name))
    out = tmp_path / "pdf"
    result = subprocess.run(
        [libreoffice, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    pdf = out / (source.stem + ".pdf")
    assert pdf.exists(), result.stdout + result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_taking_back_photo_consent_revokes_packs_but_taking_back_contact_does_not(app, outlets, press, approved_story,
                                                                                  pitching, run_jobs):
    story, token = approved_story(consents={"website": True, "press": True, "photo": True, "contact": True})
    pack = pitching.build(press, story)
    storyteller = app.test_client()

    def untick(scope: str) -> None:
        html = storyteller.get(f"/my-story/{token}").get_data(as_text=True)
        ticked = re.findall(r'name="(consent_[a-z]+)" type="checkbox" value="y" checked', html)
        data = {"csrf_token": csrf_from(html), **{name: "y" for name in ticked if name != f"consent_{scope}"}}
        assert storyteller.post(f"/my-story/{token}/consent", data=data).status_code == 302

    untick("contact")
    assert fresh(pack).status == "ready", "contact consent is not part of a pack"
    untick("photo")
    assert fresh(pack).status == "revoked"
    assert press.get(f"/pitch/packs/{pack.public_id}/download").status_code == 410
    run_jobs()
    assert fresh(pack).storage_key is None
