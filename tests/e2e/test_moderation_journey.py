"""The moderators' journey in a real browser: sign in, claim the oldest story in the queue,
edit it and approve it, and see it published with the right byline; a second moderator's
stale page is refused without overwriting anything; a press officer and a signed-out visitor
are kept out; the queue's j/k/o shortcuts, and the queue without JavaScript; axe-core on
every staff page and on the published pages."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from core.db import db_session, utcnow
from core.jobs import PENDING_KEY
from moderation import service
from moderation.models import Review, Tagging, User
from stories.models import Story
from tests.factories import make_story, story_text
from tests.staff import PASSWORD


CONFLICT_TEXT = "This story changed while you were looking at it"
FORBIDDEN = "You do not have permission to see this page"
NAME_AND_CONSENT = {"website": True, "press": True, "name": True}

# Fictional. The storyteller's lead is replaced by the moderator's; both are easy to find.
ORIGINAL_LEAD = "Honestly my GP brushed it off twice"
MODERATED_LEAD = "My GP missed the signs twice"
ORIGINAL_TEXT = story_text(70, ORIGINAL_LEAD)
MODERATED_TEXT = ORIGINAL_TEXT.replace(ORIGINAL_LEAD, MODERATED_LEAD)
# A name and a phone number, for the tagger's personal-data findings.
PERSONAL_TEXT = story_text(
    70, "My name is Maureen Baxter and you can ring me on 07700 900123 any evening after six."
)

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {text: (el.textContent || '').trim().slice(0, 80), href: el.getAttribute('href'), id: el.id,
          tag: el.tagName.toLowerCase(), name: el.getAttribute('name'),
          visibleFocus: outline || style.boxShadow !== 'none'};
}"""


# --- staff, fast --------------------------------------------------------------------




def sign_in(page, base: str, user: User, path: str = "/login") -> None:
    """Sign in through the form, as a person would: by the fields' labels."""
    if path:
        page.goto(f"{base}{path}")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def story_at(title: str, days_ago: int, **fields) -> Story:
    """A story received ``days_ago`` days ago (the queue lists the oldest first)."""
    story, _ = make_story(title=title, **fields)
    story.created_at = utcnow() - timedelta(days=days_ago)
    db_session().commit()
    return story


def untagged_story(title: str, **fields) -> Story:
    """A story whose tagging job is dropped, as if the worker had not reached it yet."""
    story, _ = make_story(commit=False, title=title, **fields)
    session = db_session()
    session.info.pop(PENDING_KEY, None)
    session.commit()
    return story


def fresh_story(public_id: str) -> dict:
    """What the database holds now, read afresh (the server has its own sessions)."""
    session = db_session()
    session.expire_all()
    story = session.scalars(select(Story).where(Story.public_id == public_id)).one()
    review = session.get(Review, story.id)
    return {
        "status": story.status, "versions": [(v.number, v.kind, v.author_user_id) for v in story.versions],
        "text": story.current_version.text, "claimed_by": review.claimed_by_id if review else None,
        "website": bool(review and review.approved_for_website), "press": bool(review and review.approved_for_press),
        "version_id": story.version_id,
    }


def tab_through(page, limit: int = 300) -> list[dict]:
    """Press Tab from the top of the page to its end; every stop must show where the focus is."""
    page.locator(".skip-link").focus()  # the first stop on every page
    stops = []
    for _ in range(limit):
        if stops:
            page.keyboard.press("Tab")
        now = page.evaluate(_ACTIVE)
        if now is None or (stops and now == stops[0]):
            return stops
        assert now["visibleFocus"], f"no visible focus indicator on {now} (after {len(stops)} stops)"
        stops.append(now)
    raise AssertionError(f"{limit} presses of Tab did not reach the end of {page.url}")


def flash(page):
    return page.locator(".notice[role=status]")


# --- 1 and 2: the journey, with a second moderator on a stale page -------------------


def test_moderator_claims_edits_and_approves_the_oldest_story_and_it_is_published(
    live_server, new_page, app, make_user
):
    story_at("The middle story", 2)
    oldest = story_at("The oldest story", 3, text=ORIGINAL_TEXT, first_name="Maureen", town="Whitby",
                      consents=NAME_AND_CONSENT)
    story_at("The newest story", 1)
    alice, bob = make_user("moderator"), make_user("moderator")
    review_url = f"{live_server}/moderation/stories/{oldest.public_id}"

    # Bob opens the oldest story first, in two tabs, and then looks away.
    bob_claim = new_page()
    sign_in(bob_claim, live_server, bob)
    bob_approve = bob_claim.context.new_page()
    for tab in (bob_claim, bob_approve):
        tab.goto(review_url)
        expect(tab.get_by_role("button", name="Claim")).to_be_visible()

    # Alice signs in and lands on the queue: oldest first.
    page = new_page()
    sign_in(page, live_server, alice)
    expect(page).to_have_url(f"{live_server}/moderation")
    titles = page.locator("ol.queue [data-queue-link]")
    expect(titles).to_have_text(["The oldest story", "The middle story", "The newest story"])
    with page.expect_navigation():
        titles.first.click()
    expect(page).to_have_url(review_url)
    expect(page.locator("#story-status")).to_have_text("New")

    # Claim.
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()
    expect(flash(page)).to_have_text("You have claimed this story.")
    expect(page.locator("#story-status")).to_have_text("In review")
    expect(page.locator("#claimed-by")).to_contain_text(f"{alice.email} since")
    expect(page.get_by_role("button", name="Release to the queue")).to_be_visible()

    # Edit the moderated copy: a new version; the original is kept.
    textarea = page.get_by_label("Moderated text")
    expect(textarea).to_have_value(ORIGINAL_TEXT)
    textarea.fill(MODERATED_TEXT)
    with page.expect_navigation():
        page.get_by_role("button", name="Save a new version").click()
    expect(flash(page)).to_have_text("Saved as version 2.")
    expect(page.get_by_label("Moderated text")).to_have_value(MODERATED_TEXT)
    expect(page.locator("#story-text")).to_contain_text(MODERATED_LEAD)
    expect(page.locator(".diff ins").filter(has_text="missed")).to_have_count(1)

    # Approve for the website and the press.
    approve_for = page.get_by_role("group", name="Approve for")
    approve_for.get_by_label("The website").check()
    approve_for.get_by_label("Journalists (press and radio)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Approve", exact=True).click()
    expect(flash(page)).to_have_text("Story approved.")
    expect(page.locator("#story-status")).to_have_text("Approved")
    expect(page.locator(".summary-row").filter(has_text="Approved for").locator("dd")).to_have_text(
        "the website and journalists")
    after_alice = fresh_story(oldest.public_id)
    assert after_alice["status"] == "approved" and after_alice["website"] and after_alice["press"]
    assert after_alice["claimed_by"] == alice.id and after_alice["text"] == MODERATED_TEXT
    assert after_alice["versions"] == [(1, "original", None), (2, "edit", alice.id)]

    # Bob, still on what he opened before Alice acted, presses Claim in one tab and Approve in the other.
    with bob_claim.expect_navigation() as navigation:
        bob_claim.get_by_role("button", name="Claim").click()
    assert navigation.value.status == 409
    expect(bob_claim.get_by_role("alert")).to_contain_text(CONFLICT_TEXT)
    expect(bob_claim.locator("#error-summary")).to_be_focused()  # the first thing a keyboard user meets
    expect(bob_claim.locator("#claimed-by")).to_contain_text(alice.email)  # the page now shows the latest

    bob_approve.get_by_role("group", name="Approve for").get_by_label("The website").check()
    with bob_approve.expect_navigation() as navigation:
        bob_approve.get_by_role("button", name="Approve", exact=True).click()
    assert navigation.value.status == 409
    expect(bob_approve.get_by_role("alert")).to_contain_text(CONFLICT_TEXT)
    assert fresh_story(oldest.public_id) == after_alice, "Bob's stale actions must not change anything"

    # The published list and the story page show the moderated text, with the name the storyteller allowed.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Published stories").click()
    expect(page).to_have_url(f"{live_server}/stories")
    item = page.locator("article.published-item").filter(has_text="The oldest story")
    expect(item).to_have_count(1)
    expect(item.locator(".hint")).to_have_text("Maureen, Whitby")
    expect(item).to_contain_text(MODERATED_LEAD)
    expect(item).not_to_contain_text(ORIGINAL_LEAD)
    expect(page.locator("article.published-item")).to_have_count(1)  # the others are not approved
    with page.expect_navigation():
        item.get_by_role("link", name="The oldest story").click()
    expect(page).to_have_url(f"{live_server}/stories/{oldest.public_id}")
    expect(page.locator("h1")).to_have_text("The oldest story")
    expect(page.locator("article .hint")).to_have_text("Maureen, Whitby")
    expect(page.locator("article .story-text")).to_have_text(MODERATED_TEXT)


# --- 3 and 4: who may not moderate -----------------------------------------------------


def test_press_officer_gets_403_on_moderation_pages_and_a_forged_approval_is_refused(
    live_server, page, app, make_user, axe_check
):
    story, _ = make_story(title="Not for the press office to approve")
    before = fresh_story(story.public_id)
    officer = make_user("press_officer")
    sign_in(page, live_server, officer)

    for path in ("/moderation", f"/moderation/stories/{story.public_id}", "/moderation/audit", "/admin/users"):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 403, path
        expect(page.locator("h1")).to_have_text(FORBIDDEN)
        expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    axe_check(page, "the 403 page")

    # A forged approval from the press officer's own signed-in session, with a valid CSRF token.
    page.goto(f"{live_server}/account/password")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for action, form in (("approve", {"uses": "website"}), ("claim", {}), ("edit", {"text": ORIGINAL_TEXT})):
        response = page.request.post(
            f"{live_server}/moderation/stories/{story.public_id}/{action}",
            form={"csrf_token": token, "seen_version": str(before["version_id"]), **form}, max_redirects=0,
        )
        assert response.status == 403, action
        assert FORBIDDEN in response.text()
    assert fresh_story(story.public_id) == before


def test_signed_out_visitor_is_sent_to_sign_in_and_then_back(live_server, page, app, make_user):
    story, _ = make_story(title="Behind the sign-in")
    for path in ("/moderation", f"/moderation/stories/{story.public_id}"):
        page.goto(f"{live_server}{path}")
        expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/login\?next="))
        expect(page.locator("h1")).to_have_text("Staff sign in")
        expect(flash(page)).to_have_text("Sign in to see that page.")
    response = page.request.post(f"{live_server}/moderation/stories/{story.public_id}/claim", max_redirects=0)
    assert response.status == 302 and "/login" in response.headers["location"]
    assert fresh_story(story.public_id)["claimed_by"] is None

    page.goto(f"{live_server}/moderation")
    sign_in(page, live_server, make_user("moderator"), path="")
    expect(page).to_have_url(f"{live_server}/moderation")
    expect(page.locator("h1")).to_have_text("Moderation queue")


# --- 5: the queue by keyboard, and without JavaScript ------------------------------------


def _queue_with_three_stories():
    return [story_at(f"Story {n}", 4 - n) for n in (1, 2, 3)]


def test_queue_shortcuts_j_k_o_move_focus_and_open_a_story(live_server, page, app, make_user):
    stories = _queue_with_three_stories()
    sign_in(page, live_server, make_user("moderator"))
    expect(page.locator("#shortcuts")).to_be_visible()  # described only where the script runs

    def focused():
        now = page.evaluate(_ACTIVE)
        assert now is not None and now["visibleFocus"], f"no visible focus on {now}"
        return now["text"]

    # The keys do nothing until a story has focus (WCAG 2.1.4: no page-wide single-key shortcuts).
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement === document.body")
    page.locator("[data-queue-link]").nth(0).focus()
    assert focused() == "Story 1"
    page.keyboard.press("j")
    assert focused() == "Story 2"
    page.keyboard.press("k")
    assert focused() == "Story 1"
    page.keyboard.press("k")
    assert focused() == "Story 1"  # stays on the first
    for _ in range(4):
        page.keyboard.press("j")
    assert focused() == "Story 3"  # and on the last
    # Tab moves on from where j/k left focus; j then carries on from there.
    page.locator("[data-queue-link]").nth(0).focus()
    page.keyboard.press("j")
    assert focused() == "Story 2"

    # With focus moved off the stories, o opens nothing.
    filters = page.locator("details.filters summary")
    filters.focus()
    page.keyboard.press("o")
    expect(filters).to_be_focused()
    expect(page).to_have_url(f"{live_server}/moderation")

    # Typing in a field is typing, not a shortcut.
    page.keyboard.press("Enter")  # opens the filters
    search = page.get_by_label("Search the text")
    search.focus()
    page.keyboard.type("jko")
    expect(search).to_have_value("jko")
    expect(search).to_be_focused()
    expect(page).to_have_url(f"{live_server}/moderation")

    page.locator("[data-queue-link]").nth(1).focus()
    with page.expect_navigation():
        page.keyboard.press("o")
    expect(page).to_have_url(f"{live_server}/moderation/stories/{stories[1].public_id}")
    expect(page.locator("h1")).to_have_text("Story 2")


def test_queue_and_review_work_without_javascript(live_server, new_page, app, make_user):
    stories = _queue_with_three_stories()
    page = new_page(java_script_enabled=False)
    sign_in(page, live_server, make_user("moderator"))
    expect(page).to_have_url(f"{live_server}/moderation")
    links = page.locator("[data-queue-link]")
    expect(links).to_have_text(["Story 1", "Story 2", "Story 3"])
    expect(page.locator("#shortcuts")).to_be_hidden()  # no script, no shortcuts to describe
    page.keyboard.press("j")  # and nothing happens
    assert page.evaluate("document.activeElement === document.body")

    with page.expect_navigation():
        links.nth(2).click()
    expect(page).to_have_url(f"{live_server}/moderation/stories/{stories[2].public_id}")
    expect(page.locator("h1")).to_have_text("Story 3")
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()
    expect(flash(page)).to_have_text("You have claimed this story.")
    with page.expect_navigation():
        page.get_by_role("link", name="Back to the queue").click()
    expect(page).to_have_url(f"{live_server}/moderation?status=in_review")
    expect(page.locator("[data-queue-link]")).to_have_text(["Story 3"])

    # The filters are a plain form: they work without script too.
    page.get_by_text("Filter stories").click()
    page.get_by_label("Search the text").fill("nothing like this anywhere")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("main")).to_contain_text("No stories here match these filters.")


# --- 6: axe-core on every page ------------------------------------------------------------


def test_login_page_is_accessible_empty_and_with_an_error(live_server, page, app, make_user, axe_check):
    user = make_user("moderator")
    page.goto(f"{live_server}/login")
    expect(page).to_have_title("Sign in – Storydesk")
    axe_check(page, "the empty sign-in page")

    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Sign in").click()
    assert navigation.value.status == 400
    expect(page).to_have_title("Error: Sign in – Storydesk")
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("The email address or password is not right")
    expect(summary).to_be_focused()
    expect(page.get_by_label("Password")).to_have_value("")  # never sent back
    expect(page.get_by_label("Email address")).to_have_value(user.email)
    axe_check(page, "the sign-in page with a wrong password")

    # Empty fields: each error points at its field.
    page.get_by_label("Email address").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    links = summary.locator("a")
    expect(links).to_have_text(["Enter your email address", "Enter your password"])
    links.first.click()
    expect(page.get_by_label("Email address")).to_be_focused()
    axe_check(page, "the sign-in page with empty fields")


def test_queue_and_review_pages_are_accessible_before_and_after_tagging(
    live_server, page, app, make_user, axe_check, run_jobs
):
    # First an untagged story, so no tagging job takes it along as a companion.
    plain = untagged_story("Waiting for the tagger", first_name="Maureen", town="Whitby")
    moderator = make_user("moderator")
    sign_in(page, live_server, moderator)
    expect(page.locator("[data-queue-link]")).to_have_count(1)
    axe_check(page, "the queue with a story")

    page.get_by_text("Filter stories").click()
    expect(page.get_by_label("Search the text")).to_be_visible()
    axe_check(page, "the queue with the filters open")
    stops = tab_through(page)
    assert stops[0]["text"] == "Skip to main content"
    assert any(stop["id"] == "filter-to" for stop in stops) and any(stop.get("href") for stop in stops)
    page.get_by_label("Town").fill("Whitby")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("details.filters")).to_have_attribute("open", "")
    expect(page.locator("[data-queue-link]")).to_have_count(1)
    axe_check(page, "the queue with a filter in use")
    with page.expect_navigation() as navigation:
        page.goto(f"{live_server}/moderation?from=yesterday&to=2026-13-45")
    assert navigation.value.status == 400
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    # The link leads to the field, which must not be hidden in closed filters.
    summary.get_by_role("link", name="From must be a date").click()
    expect(page.get_by_label("Received from")).to_be_focused()
    summary.get_by_role("link", name="To must be a date").click()
    expect(page.get_by_label("Received to")).to_be_focused()
    axe_check(page, "the queue with a wrong date")

    page.goto(f"{live_server}/moderation/stories/{plain.public_id}")
    expect(page.locator("#tags-status")).to_contain_text("Not tagged yet")
    axe_check(page, "the review page, not tagged yet")

    # Now a story with a name and a phone number, tagged.
    personal, _ = make_story(title="Ring me", text=PERSONAL_TEXT, first_name="Maureen", town="Whitby")
    run_jobs()
    tagging = db_session().scalars(select(Tagging).where(Tagging.story_id == personal.id)).first()
    assert tagging is not None, "the tagger did not run"
    types = {finding["type"] for finding in tagging.pii}
    assert {"PERSON", "PHONE"} <= types, tagging.pii
    page.goto(f"{live_server}/moderation/stories/{personal.public_id}")
    expect(page.locator("#tags")).to_be_visible()
    expect(page.locator("#story-text mark.finding")).to_have_count(len(tagging.pii))
    expect(page.locator("#story-text mark.finding").filter(has_text="07700 900123")).to_have_count(1)
    findings = page.get_by_role("table", name="Personal-data findings: accept to redact, dismiss to keep")
    expect(findings.locator("tbody tr")).to_have_count(len(tagging.pii))
    axe_check(page, "the review page, tagged, with personal-data findings")
    stops = tab_through(page)
    reached = {stop["id"] for stop in stops}
    assert {"edit-text", "approve-website", "approve-press", "reason-not_relevant", "note-text"} <= reached, reached
    assert any(stop["name"] and stop["name"].startswith("finding-") for stop in stops)

    # After claiming, editing and with an error on the page.
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()
    page.get_by_label("Moderated text").fill(PERSONAL_TEXT.replace("07700 900123", "[phone number]"))
    with page.expect_navigation():
        page.get_by_role("button", name="Save a new version").click()
    expect(page.locator(".diff")).to_be_visible()
    axe_check(page, "the review page with a side-by-side comparison")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Reject").click()
    assert navigation.value.status == 400
    expect(page.get_by_role("alert")).to_contain_text("Choose a reason for rejecting the story.")
    expect(page.locator("#error-summary")).to_be_focused()
    axe_check(page, "the review page with an error")


def test_admin_pages_are_accessible(live_server, page, app, make_user, axe_check):
    story, _ = make_story(title="Audited")
    admin = make_user("admin")
    make_user("moderator")
    make_user("press_officer")
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/moderation/stories/{story.public_id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Claim").click()

    page.goto(f"{live_server}/admin/users")
    expect(page.locator("h1")).to_have_text("Staff accounts")
    expect(page.locator("table tbody tr")).to_have_count(3)
    axe_check(page, "the staff accounts page")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Add staff member").click()
    assert navigation.value.status == 400
    axe_check(page, "the staff accounts page with errors")

    page.goto(f"{live_server}/moderation/audit")
    expect(page.locator("h1")).to_have_text("Audit log")
    expect(page.locator("table tbody")).to_contain_text("story claimed")
    axe_check(page, "the audit page")
    with page.expect_navigation() as navigation:
        page.goto(f"{live_server}/moderation/audit?from=not-a-date")
    assert navigation.value.status == 400
    expect(page.locator("#error-summary")).to_be_focused()
    axe_check(page, "the audit page with an error")


def test_published_pages_are_accessible_and_the_byline_follows_name_consent(live_server, page, app, make_user,
                                                                           axe_check):
    page.goto(f"{live_server}/stories")
    expect(page.locator("main")).to_contain_text("No stories have been published yet.")
    axe_check(page, "the empty published list")

    moderator = make_user("moderator")
    session = db_session()
    named, _ = make_story(title="With my name", first_name="Maureen", town="Whitby", consents=NAME_AND_CONSENT)
    anonymous, _ = make_story(title="Without my name", first_name="Dorothy", town="Hull",
                              consents={"website": True, "press": False, "name": False})
    for story in (named, anonymous):
        service.approve(session, story, moderator, None, uses=["website"])
    session.commit()

    page.goto(f"{live_server}/stories")
    items = page.locator("article.published-item")
    expect(items).to_have_count(2)
    expect(items.filter(has_text="With my name").locator(".hint")).to_have_text("Maureen, Whitby")
    expect(items.filter(has_text="Without my name").locator(".hint")).to_have_text("Anonymous, Hull")
    expect(page.locator("main")).not_to_contain_text("Dorothy")
    axe_check(page, "the published list")

    for story, byline in ((named, "Maureen, Whitby"), (anonymous, "Anonymous, Hull")):
        page.goto(f"{live_server}/stories/{story.public_id}")
        expect(page.locator("article .hint")).to_have_text(byline)
        axe_check(page, f"the published story ({byline})")
