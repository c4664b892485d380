"""A press officer's journey in a real browser: sign in, find a Leeds story, see Leeds outlets first,
edit the headline, build and download a pitch pack; then the storyteller withdraws through their
private link, and the pack is revoked and will not download. axe-core checks every pitching page."""
from __future__ import annotations

import io
import zipfile

import docx
from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db_session
from core.storage import get_storage
from moderation import accounts
from moderation import service as moderation
from pitch.outlets import load_starter
from tests.factories import make_story

PASSWORD = "correct horse battery staple"
EMAIL = "press.officer@charity.example"
HEADLINE = "Leeds gardener asks every hospital for a specialist nurse"
# Fictional.
STORY = (
    "Nobody had ever explained the signs of secondary breast cancer to me before it came back. "
    "When the scan showed the cancer had spread to my bones, I stopped making plans for a whole winter. "
    "What changed things was a Tuesday group at the library where nobody flinched at the word secondary. "
    "I want every hospital to have a specialist nurse, because mine was the one person who answered my questions."
)
LEEDS_OUTLETS = {"LeedsLive", "Yorkshire Evening Post", "BBC Radio Leeds"}


def _set_up(run_jobs):
    """Outlets, a press officer, and two stories approved for the press (Leeds and Bath)."""
    session = db_session()
    load_starter(session)
    accounts.create_user(session, EMAIL, "press_officer", PASSWORD)
    moderator = accounts.create_user(session, "moderator@charity.example", "moderator", PASSWORD)
    session.commit()
    made = {}
    for town, district in (("Leeds", "LS6"), ("Bath", "BA1")):
        story, token = make_story(text=STORY, town=town, postcode_outward=district, title=f"Spring in {town}",
                                  consents={"website": True, "press": True, "interview": True})
        moderation.approve(session, story, moderator, None, uses=["website", "press"], enforce_claim=False)
        session.commit()
        made[town] = (story, token)
    run_jobs()  # tagging, when jobs go through Redis
    return made


def _pack_row(app, public_id):
    from pitch.models import Pack

    with app.extensions["storydesk.db"].session() as session:
        pack = session.scalars(select(Pack).where(Pack.public_id == public_id)).one()
        return {"status": pack.status, "storage_key": pack.storage_key}


def _wait_for_status(page, text, run_jobs, tries=5):
    """The page polls the status with JavaScript and reloads itself; run the queue meanwhile and reload if slow."""
    status = page.locator("#pack-status")
    for _ in range(tries):
        run_jobs()
        try:
            expect(status).to_have_text(text, timeout=4_000)
            return
        except AssertionError:
            page.reload()
    expect(status).to_have_text(text)


def test_a_press_officer_pitches_a_leeds_story_and_the_storyteller_withdraws_it(
        app, live_server, page, new_page, axe_check, run_jobs, tmp_path):
    stories = _set_up(run_jobs)
    story, token = stories["Leeds"]

    # Sign in.
    page.goto(f"{live_server}/login")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Pitching").click()
    expect(page.locator("h1")).to_have_text("Stories to pitch")
    axe_check(page, "the pitch index")

    # Find the Leeds story with the Town filter.
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_role("button", name="Find stories").click()
    expect(page).to_have_url(f"{live_server}/pitch?town=Leeds")
    expect(page.locator(".queue-item")).to_have_count(1)
    expect(page.locator(".queue-item")).to_contain_text("Leeds (LS6)")
    axe_check(page, "the pitch index, filtered by town")
    page.get_by_role("link", name="Spring in Leeds").click()
    expect(page.locator("h1")).to_have_text("Pitch “Spring in Leeds”")

    # Leeds outlets first, each with its reason.
    rows = page.locator("#matched-outlets tbody tr")
    first_three = [rows.nth(i).locator("td").first.inner_text() for i in range(3)]
    assert set(first_three) == LEEDS_OUTLETS
    for i in range(3):
        expect(rows.nth(i).locator("td").nth(2)).to_have_text("Covers the LS (Leeds) postcode area")
    expect(page.locator("#pitch-consents")).to_contain_text("They may be contacted about an interview.")
    axe_check(page, "the story page")

    # Edit the headline and build the pack.
    page.get_by_label("Headline").fill(HEADLINE)
    page.get_by_role("button", name="Build pitch pack").click()
    expect(page.locator("h1")).to_have_text("Pitch pack")
    pack_url = page.url
    public_id = pack_url.rstrip("/").rsplit("/", 1)[-1]
    _wait_for_status(page, "Ready to download", run_jobs)
    axe_check(page, "the pack page, ready")

    # Download it.
    with page.expect_download() as info:
        page.locator("#download").click()
    download = info.value
    assert download.suggested_filename.startswith("pitch-pack-leeds-") and download.suggested_filename.endswith(".zip")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    archive = zipfile.ZipFile(saved)
    release = next(n for n in archive.namelist() if "release" in n)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(archive.read(release))).paragraphs]
    assert HEADLINE in paragraphs
    key = _pack_row(app, public_id)["storage_key"]
    assert get_storage().exists(key)

    # The other pitching pages.
    page.get_by_role("link", name="Back to the story").click()
    page.get_by_role("link", name="Back to stories to pitch").click()
    page.get_by_role("link", name="Outlets", exact=True).click()
    expect(page.locator("h1")).to_have_text("Outlets")
    axe_check(page, "the outlets page")
    page.get_by_role("link", name="Coverage").click()
    expect(page.locator("h1")).to_have_text("Coverage")
    axe_check(page, "the coverage page")

    # The storyteller withdraws through their private link.
    storyteller = new_page()
    storyteller.goto(f"{live_server}/my-story/{token}/withdraw")
    storyteller.get_by_label("Withdraw my story: stop using it").check()
    storyteller.get_by_role("button", name="Confirm").click()
    expect(storyteller.get_by_role("status")).to_have_text("Your story has been withdrawn.")

    # At once: the pack page says revoked, and the download fails.
    page.goto(pack_url)
    expect(page.locator("#pack-status")).to_have_text("Revoked: the storyteller withdrew their story or took back their consent")
    expect(page.locator("#revoked")).to_contain_text("This pack has been revoked")
    expect(page.locator("#revoked")).to_contain_text("It had not been sent to any outlet.")
    expect(page.locator("#download")).to_have_count(0)
    axe_check(page, "the pack page, revoked")
    response = page.goto(f"{pack_url}/download")
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("This pack has been revoked")
    axe_check(page, "the revoked download page")

    run_jobs()
    assert get_storage().exists(key) is False
    assert _pack_row(app, public_id) == {"status": "revoked", "storage_key": None}
