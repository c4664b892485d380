"""The storyteller's journey in a real browser: share a story with the keyboard alone,
read the receipt, change a consent on the private link and withdraw; the error path;
axe-core on every page of the journey; the live word count; and the form without JavaScript."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

# Fictional. Two paragraphs, 77 words (50 is the least the form accepts).
STORY = (
    "When the scan showed the cancer had come back in my spine, I stopped making plans. "
    "For a whole winter I only counted appointments and the hours between tablets.\n"
    "What changed things was a Tuesday group in the library, where nobody flinched at the word secondary. "
    "Now I grow tomatoes again, I walk the dog along the canal, and I want other people "
    "to know that living with this is still living, even on the hard days."
)
STORY_PHRASE = "tomatoes again"
TITLE = "Tomatoes on the windowsill"
FIRST_NAME = "Elspeth"
TOWN = "Kendal"

CONSENT_IDS = ["consent_website", "consent_press", "consent_interview", "consent_name", "consent_photo", "consent_contact"]
CONSENT_LABELS = {
    "website": "Publish my story on the website",
    "press": "Share my story with journalists",
    "interview": "Contact me about a radio or TV interview",
    "name": "Use my first name (otherwise we keep you anonymous)",
    "photo": "Use my photo",
    "contact": "Contact me about my story",
}
SITE_IDS = [f"sites-{n}" for n in range(8)]
# Every stop Tab makes in the share form, in page order (the spam trap is not one).
SHARE_TAB_ORDER = [
    "title", "text", "first_name", "email", "about-0", "town", "postcode", *SITE_IDS, "diagnosis_year", "photo",
    *CONSENT_IDS, "adult", "own_story", "send",
]

_ACTIVE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  return {
    id: el.id || (el.matches('button[type=submit]') ? 'send' : el.tagName.toLowerCase()),
    tag: el.tagName.toLowerCase(), text: (el.textContent || '').trim().slice(0, 80),
    visibleFocus: outline || style.boxShadow !== 'none',
  };
}"""


def active(page) -> dict | None:
    return page.evaluate(_ACTIVE)


def tab_to(page, selector: str, *, limit: int = 40, shift: bool = False) -> list[str]:
    """Press Tab (or Shift+Tab) until ``selector`` has focus; returns the ids passed on the way.

    Every element reached must show where the focus is."""
    passed = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if shift else "Tab")
        now = active(page)
        if now is None:
            passed.append("(nothing)")
            continue
        assert now["visibleFocus"], f"no visible focus indicator on {now}"
        passed.append(now["id"])
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return passed
    raise AssertionError(f"{limit} presses of Tab did not reach {selector}; passed {passed}")


def type_into(page, selector: str, text: str) -> list[str]:
    passed = tab_to(page, selector)
    page.keyboard.type(text)
    return passed


def tick(page, selector: str) -> list[str]:
    passed = tab_to(page, selector)
    page.keyboard.press("Space")
    return passed


def table_rows(page, table) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def db_story(app):
    """The only story in the database, read with a fresh session (the server has its own)."""
    from stories.models import Story

    with app.extensions["storydesk.db"].session() as session:
        stories = session.scalars(select(Story)).all()
        assert len(stories) == 1
        story = stories[0]
        return {
            "status": story.status, "erased": story.erased_at is not None, "versions": len(story.versions),
            "first_name": story.first_name, "town": story.town,
            "consents": sorted((row.scope, row.granted) for row in story.consents),
        }


# --- the keyboard-only journey ---------------------------------------------------


def test_share_change_consent_and_withdraw_with_the_keyboard_alone(live_server, page, axe_check, app):
    page.goto(f"{live_server}/share")

    # The first Tab from the top of the page reaches the skip link; Enter takes us to the content.
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Skip to main content"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # <main> takes focus only to start the next Tab there; it is not outlined like a control.
    assert page.locator("main").evaluate("el => getComputedStyle(el).outlineStyle") == "none"

    order = []
    order += type_into(page, "#title", TITLE)
    order += tab_to(page, "#text")
    for number, paragraph in enumerate(STORY.split("\n")):
        if number:
            page.keyboard.press("Enter")
        page.keyboard.type(paragraph)
    order += type_into(page, "#first_name", FIRST_NAME)
    order += tab_to(page, "#email")
    # A radio group is one stop; Space chooses the focused option ("Me").
    order += tick(page, "#about-0")
    order += type_into(page, "#town", TOWN)
    order += type_into(page, "#postcode", "LA9 4DE")
    order += tick(page, "#sites-0")  # Bones
    order += tick(page, "#sites-1")  # Liver
    order += type_into(page, "#diagnosis_year", "2023")
    order += tick(page, "#consent_website")
    order += tick(page, "#consent_press")
    order += tick(page, "#consent_name")
    order += tick(page, "#adult")
    order += tick(page, "#own_story")
    order += tab_to(page, "form button[type=submit]")
    assert order == SHARE_TAB_ORDER, "Tab should visit every field once, in the order they appear"
    assert page.locator("#about-0").is_checked() and page.locator("#sites-1").is_checked()
    assert page.locator("#text").input_value().count("\n") == 1

    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The receipt: thanks, the private link and the consent answers.
    expect(page).to_have_url(f"{live_server}/share/received")
    expect(page.locator("h1")).to_have_text("Thank you for sharing your story")
    receipt = dict(tuple(row) for row in table_rows(page, page.locator("table").filter(has_text="You were asked")))
    assert receipt == {
        CONSENT_LABELS["website"]: "Yes", CONSENT_LABELS["press"]: "Yes", CONSENT_LABELS["interview"]: "No",
        CONSENT_LABELS["name"]: "Yes", CONSENT_LABELS["photo"]: "No", CONSENT_LABELS["contact"]: "No",
    }
    link = page.locator("#private-link")
    href = link.get_attribute("href")
    assert re.fullmatch(rf"{re.escape(live_server)}/my-story/[A-Za-z0-9_-]{{40,}}", href)
    expect(link).to_have_text(href)
    axe_check(page, "the receipt page")

    # Open the private link from the keyboard.
    tab_to(page, "#private-link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(href)
    expect(page.locator("#story-status")).to_have_text("Received: waiting for a moderator to read it")
    expect(page.locator(".story-text")).to_contain_text(STORY_PHRASE)
    expect(page.locator("#words-title")).to_have_text(TITLE)
    for scope, ticked in [("website", True), ("press", True), ("interview", False), ("name", True),
                          ("photo", False), ("contact", False)]:
        expect(page.locator(f"#consent_{scope}")).to_be_checked(checked=ticked)
    history = page.locator("table").filter(has_text="Every consent answer")
    assert len(table_rows(page, history)) == 8  # six questions and the two confirmations
    axe_check(page, "the private-link page")

    # Change our mind: no journalists, but yes to being contacted. Save with Space.
    tick(page, "#consent_press")
    tick(page, "#consent_contact")
    tab_to(page, "form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Space")
    expect(page).to_have_url(href)
    expect(page.get_by_role("status")).to_have_text("Your choices have been saved.")
    expect(page.locator("#consent_press")).not_to_be_checked()
    expect(page.locator("#consent_contact")).to_be_checked()
    rows = table_rows(page, history)
    assert len(rows) == 10
    new_rows = sorted((re.split(r"\s*\(wording", row[1])[0], row[2], row[3]) for row in rows[-2:])
    assert new_rows == [(CONSENT_LABELS["contact"], "Yes", "Web"), (CONSENT_LABELS["press"], "No", "Web")]
    axe_check(page, "the private-link page after saving")

    # Withdraw and delete.
    tab_to(page, "a[href$='/withdraw']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{href}/withdraw")
    expect(page.locator("h1")).to_have_text("Withdraw your story")
    axe_check(page, "the withdraw page")
    tab_to(page, "#choice-0")
    page.keyboard.press("ArrowDown")  # arrows move through a radio group and choose
    assert page.evaluate("document.activeElement.id") == "choice-1"
    expect(page.locator("#choice-1")).to_be_checked()
    expect(page.locator("label[for=choice-1]")).to_contain_text("Withdraw and delete my story")
    tab_to(page, "form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(href)
    expect(page.locator("#story-status")).to_contain_text("Withdrawn")
    expect(page.get_by_role("status")).to_have_text("Your story has been withdrawn and deleted.")
    body = page.locator("main").inner_text()
    for gone in [STORY_PHRASE, TITLE, FIRST_NAME, TOWN]:
        assert gone not in body
    expect(page.locator("form")).to_have_count(0)  # nothing left to agree to
    assert len(table_rows(page, history)) == 10  # the record of what was agreed stays
    axe_check(page, "the private-link page after withdrawing")

    stored = db_story(app)
    assert stored["status"] == "withdrawn" and stored["erased"] and stored["versions"] == 0
    assert stored["first_name"] is None and stored["town"] is None
    assert ("press", False) in stored["consents"] and ("contact", True) in stored["consents"]


# --- the error path -------------------------------------------------------------


def test_empty_share_form_shows_every_problem_and_keeps_what_was_typed(live_server, page, axe_check):
    page.goto(f"{live_server}/share")
    expect(page).to_have_title("Share your story – Storydesk")
    axe_check(page, "the empty share page")

    page.fill("#first_name", FIRST_NAME)
    page.fill("#text", "Only a few words so far.")
    page.check("#consent_press")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send my story").click()
    assert navigation.value.status == 400
    expect(page).to_have_title("Error: Share your story – Storydesk")

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.locator("h2")).to_have_text("There is a problem")
    expect(summary).to_be_focused()  # a keyboard or screen-reader user starts at the list of problems
    links = summary.locator("a")
    anchors = [href.lstrip("#") for href in (links.nth(i).get_attribute("href") for i in range(links.count()))]
    assert anchors == ["text", "about-0", "town", "adult", "own_story"]
    expect(links.first).to_contain_text("at least 50 words")

    for number, anchor in enumerate(anchors):
        link = links.nth(number)
        link.focus()
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == anchor, f"the link to #{anchor} should move focus there"
        field = page.locator(f"#{anchor}")
        expect(field).to_be_in_viewport()
        # Each field (or its group) is tied to its own error message.
        described = field.evaluate(
            "el => [el.getAttribute('aria-describedby'), el.closest('fieldset')?.getAttribute('aria-describedby')]"
            ".filter(Boolean).join(' ')"
        )
        error_id = f"{anchor.removesuffix('-0')}-error"
        assert error_id in described.split(), f"#{anchor} is not described by #{error_id}"
        expect(page.locator(f"#{error_id}")).to_be_visible()
        if anchor in {"text", "town", "adult", "own_story"}:
            expect(field).to_have_attribute("aria-invalid", "true")

    # What was typed or ticked is kept.
    expect(page.locator("#first_name")).to_have_value(FIRST_NAME)
    expect(page.locator("#text")).to_have_value("Only a few words so far.")
    expect(page.locator("#consent_press")).to_be_checked()
    expect(page.locator("#consent_website")).not_to_be_checked()
    axe_check(page, "the share page with errors")


def test_withdraw_without_a_choice_explains_and_is_accessible(live_server, page, axe_check):
    token = _share_a_story(live_server, page)
    page.goto(f"{live_server}/my-story/{token}/withdraw")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Confirm").click()
    assert navigation.value.status == 400
    expect(page).to_have_title("Error: Withdraw your story – Storydesk")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    link = summary.locator("a")
    expect(link).to_have_attribute("href", "#choice-0")
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "choice-0"
    axe_check(page, "the withdraw page with an error")


# --- JavaScript: the word count, and the form without it -----------------------


def test_live_word_count_follows_typing(live_server, page):
    page.goto(f"{live_server}/share")
    count = page.locator("#text-count")
    expect(count).to_be_visible()
    expect(count).to_have_attribute("aria-live", "polite")
    assert "text-count" in page.locator("#text").get_attribute("aria-describedby").split()
    expect(count).to_have_text("You have written 0 words (at least 50 needed)")

    page.locator("#text").focus()
    page.keyboard.type("One two three")
    expect(count).to_have_text("You have written 3 words (at least 50 needed)")
    page.keyboard.insert_text(" " + STORY.replace("\n", " "))  # as a paste would: one input event
    words = 3 + len(STORY.split())
    expect(count).to_have_text(f"You have written {words} words")
    for _ in range(len(" three")):
        page.keyboard.press("Backspace")
    expect(count).to_have_text(f"You have written {words - 1} words")


def _fill_story(page) -> None:
    page.fill("#text", STORY)
    page.fill("#town", TOWN)
    page.check("#about-1")
    page.check("#consent_website")
    page.check("#adult")
    page.check("#own_story")


def _share_a_story(live_server, page) -> str:
    page.goto(f"{live_server}/share")
    _fill_story(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send my story").click()
    href = page.locator("#private-link").get_attribute("href")
    return href.rsplit("/", 1)[1]


def test_share_works_without_javascript(live_server, new_page, app):
    page = new_page(java_script_enabled=False)
    page.goto(f"{live_server}/share")
    expect(page.locator("#text-count")).to_be_hidden()  # the count needs JavaScript; nothing else does
    _fill_story(page)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send my story").click()
    assert navigation.value.status == 200
    expect(page.locator("h1")).to_have_text("Thank you for sharing your story")
    expect(page.locator("#private-link")).to_have_attribute("href", re.compile(r"/my-story/"))
    stored = db_story(app)
    assert stored["status"] == "new" and stored["town"] == TOWN
    assert ("website", True) in stored["consents"] and ("press", False) in stored["consents"]


def test_saving_choices_after_withdrawing_in_another_tab_explains_why(live_server, new_page, axe_check, app):
    first = new_page()
    token = _share_a_story(live_server, first)
    first.goto(f"{live_server}/my-story/{token}")
    first.uncheck("#consent_website")

    # Meanwhile, in another tab: withdraw (and keep the story).
    second = new_page()
    second.goto(f"{live_server}/my-story/{token}/withdraw")
    second.check("#choice-0")
    with second.expect_navigation():
        second.get_by_role("button", name="Confirm").click()
    expect(second.get_by_role("status")).to_have_text("Your story has been withdrawn.")
    expect(second.locator("#story-status")).to_contain_text("Withdrawn")
    expect(second.locator(".story-text")).to_contain_text(STORY_PHRASE)  # withdrawn, not deleted

    with first.expect_navigation() as navigation:
        first.get_by_role("button", name="Save my choices").click()
    assert navigation.value.status == 400
    expect(first).to_have_title("Error: Your story – Storydesk")
    expect(first.get_by_role("alert")).to_have_text("Your story has been withdrawn, so there is nothing left to agree to.")
    axe_check(first, "the private-link page refusing a change after withdrawal")
    assert ("website", True) in db_story(app)["consents"] and ("website", False) not in db_story(app)["consents"]


# --- the other pages a storyteller may land on -------------------------------------


def test_home_page_call_to_action_is_a_link_that_enter_follows(live_server, page, axe_check):
    page.goto(f"{live_server}/")
    axe_check(page, "the home page")
    # It looks like a button but navigates: announced as a link, so Enter (not Space) is expected.
    cta = page.get_by_role("main").get_by_role("link", name="Share your story")
    expect(cta).to_have_count(1)
    expect(page.get_by_role("main").get_by_role("button")).to_have_count(0)
    tab_to(page, "main a.button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/share")


@pytest.mark.parametrize("path", ["/share/received", "/my-story/not-a-real-link"])
def test_other_pages_are_accessible(live_server, page, axe_check, path):
    page.goto(f"{live_server}{path}")
    axe_check(page, path)
