"""The press officers' pages: who may see them, which stories may be pitched, the draft, and tracking
what was sent, what they said and what ran."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from core.db import db_session
from moderation import service as moderation
from pitch.models import Coverage, Outlet, Pack, Send
from stories.consent import change_consents
from tests.conftest import csrf_from
from tests.factories import make_story

PAGES = ["/pitch", "/pitch/outlets", "/pitch/outlets/new", "/pitch/coverage", "/pitch/coverage.csv", "/pitch/outlets.csv"]


# --- who may see the pages ------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_login(app, client, approved_story, press, pitching):
    story, _ = approved_story()
    pack = pitching.build(press, story)
    story_pages = [f"/pitch/stories/{story.public_id}", f"/pitch/packs/{pack.public_id}",
                   f"/pitch/packs/{pack.public_id}/download", f"/pitch/packs/{pack.public_id}/status"]
    for path in PAGES + story_pages:
        response = client.get(path)
        assert response.status_code == 302, path
        assert re.search(r"/login(\?|$)", response.headers["Location"]), (path, response.headers["Location"])
    for path in (f"/pitch/stories/{story.public_id}", f"/pitch/packs/{pack.public_id}/sends", "/pitch/outlets/import"):
        assert "/login" in client.post(path, data={}).headers.get("Location", ""), path


def test_moderators_without_the_press_officer_role_are_refused(app, moderator, signed_in, approved_story, press, pitching):
    story, _ = approved_story()
    pack = pitching.build(press, story)
    client = signed_in(moderator)
    paths = PAGES + [f"/pitch/stories/{story.public_id}", f"/pitch/packs/{pack.public_id}",
                     f"/pitch/packs/{pack.public_id}/download", f"/pitch/packs/{pack.public_id}/status"]
    for path in paths:
        assert client.get(path).status_code == 403, path
    # The role is checked before anything else, so a forged form gets no further either.
    assert client.post(f"/pitch/stories/{story.public_id}", data={"headline": "x"}).status_code == 403
    assert client.post(f"/pitch/packs/{pack.public_id}/sends", data={}).status_code == 403
    assert client.post("/pitch/outlets/import", data={}).status_code == 403
    assert "Pitching" not in client.get("/moderation").get_data(as_text=True)


def test_admins_and_press_officers_see_the_pitching_link(make_staff, signed_in):
    for role in ("press_officer", "admin"):
        client = signed_in(make_staff(role))
        response = client.get("/pitch")
        assert response.status_code == 200
        assert 'href="/pitch"' in response.get_data(as_text=True)


# --- which stories may be pitched -------------------------------------------------------------

@pytest.mark.parametrize("case", ["no_press_consent", "website_only", "in_review", "press_consent_withdrawn", "withdrawn"])
def test_a_story_not_approved_for_the_press_cannot_be_pitched(app, case, moderator, press, pitching, approved_story):
    session = db_session()
    if case == "no_press_consent":
        story, _ = approved_story(consents={"website": True, "press": False}, uses=("website",))
    elif case == "website_only":
        story, _ = approved_story(consents={"website": True, "press": True}, uses=("website",))
    elif case == "in_review":
        story, _ = make_story(consents={"website": True, "press": True})
        moderation.claim(session, story, moderator, None)
        session.commit()
    elif case == "press_consent_withdrawn":
        story, _ = approved_story()
        change_consents(session, story, {"press": False})
        session.commit()
    else:
        story, _ = approved_story()
        from stories.service import withdraw

        withdraw(session, story, erase=False)
        session.commit()

    assert story.public_id not in press.get("/pitch").get_data(as_text=True)
    html = pitching.story_page(press, story)
    assert "This story cannot be pitched" in html
    assert "Build pitch pack" not in html and 'name="headline"' not in html
    forged = press.post(f"/pitch/stories/{story.public_id}", data=pitching.forged_draft(press))
    assert forged.status_code == 403
    assert db_session().scalars(select(Pack).where(Pack.story_id == story.id)).first() is None


def test_an_approved_story_can_be_pitched(press, approved_story, pitching, outlets):
    story, _ = approved_story()
    index = press.get("/pitch").get_data(as_text=True)
    assert f"/pitch/stories/{story.public_id}" in index
    html = pitching.story_page(press, story)
    assert "Build pitch pack" in html and "This story cannot be pitched" not in html
    assert 'id="moderated-text"' in html


def test_the_index_has_a_town_filter(press, approved_story):
    leeds, _ = approved_story(town="Leeds", postcode_outward="LS6")
    bath, _ = approved_story(town="Bath", postcode_outward="BA1")
    everything = press.get("/pitch").get_data(as_text=True)
    assert leeds.public_id in everything and bath.public_id in everything
    page = press.get("/pitch?town=leeds").get_data(as_text=True)
    assert 'id="town" name="town" value="leeds"' in page
    assert leeds.public_id in page and bath.public_id not in page
    nowhere = press.get("/pitch?town=Kendal").get_data(as_text=True)
    assert leeds.public_id not in nowhere and "No stories from “Kendal” are ready to pitch." in nowhere


def test_an_unknown_story_or_pack_is_not_found(press):
    assert press.get("/pitch/stories/00000000-0000-0000-0000-000000000000").status_code == 404
    assert press.get("/pitch/stories/nonsense").status_code == 404
    assert press.get("/pitch/packs/00000000-0000-0000-0000-000000000000").status_code == 404
    assert press.get("/pitch/packs/00000000-0000-0000-0000-000000000000/download").status_code == 404


# --- the draft ------------------------------------------------------------------------------

def test_the_draft_is_checked_and_kept_when_wrong(press, approved_story, pitching):
    story, _ = approved_story()
    response = pitching.request(press, story, headline="", spokesperson_quote=" ", embargo="next Tuesday",
                                quote=[], extra_quotes="")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in ("Enter a headline", "Enter the spokesperson", "The embargo must be a date and time"):
        assert message in html
    assert 'value="next Tuesday"' in html  # what was typed comes back
    response = pitching.request(press, story, headline="x" * 201)
    assert response.status_code == 400 and "200 characters or fewer" in response.get_data(as_text=True)
    html = pitching.story_page(press, story)
    many = "\n".join(s.strip() + "." for s in pitching.story.split(".")[:5] if s.strip())
    response = pitching.request(press, story, quote=[], extra_quotes=many)
    assert response.status_code == 400 and "Choose 4 quotes or fewer" in response.get_data(as_text=True)
    expired = pitching.draft_form(html, csrf_token="expired")
    response = press.post(f"/pitch/stories/{story.public_id}", data=expired)
    assert response.status_code == 400 and "This form has expired" in response.get_data(as_text=True)
    assert db_session().scalars(select(Pack).where(Pack.story_id == story.id)).first() is None


def test_the_last_draft_is_offered_again(press, approved_story, pitching):
    story, _ = approved_story()
    pitching.build(press, story, headline="My own headline", embargo="2026-12-01 00:01")
    html = pitching.story_page(press, story)
    assert 'value="My own headline"' in html and 'value="2026-12-01T00:01"' in html
    assert "Ready to download" in html


# --- tracking: sent, replies, coverage ---------------------------------------------------------

def test_sends_replies_and_coverage_are_recorded(app, outlets, press, press_officer, approved_story, pitching):
    story, _ = approved_story()
    pack = pitching.build(press, story)
    page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Not sent to any outlet yet." in page
    choices = re.findall(r'<option value="(\d+)">([^<]+)</option>', page.split('id="send-outlet"', 1)[1].split("</select>")[0])
    assert [name for _, name in choices[:3]] and {name for _, name in choices[:3]} == {
        "LeedsLive", "Yorkshire Evening Post", "BBC Radio Leeds"}
    yep = db_session().scalars(select(Outlet).where(Outlet.name == "Yorkshire Evening Post")).one()

    response = press.post(f"/pitch/packs/{pack.public_id}/sends", data={
        "csrf_token": csrf_from(page), "outlet": str(yep.id), "recipient": "newsdesk@yep.example", "sent_on": "2026-11-20"})
    assert response.status_code == 302
    send = db_session().scalars(select(Send).where(Send.pack_id == pack.id)).one()
    assert (send.outlet_id, send.outlet_name, send.recipient, send.sent_on, send.sent_by_id) == (
        yep.id, "Yorkshire Evening Post", "newsdesk@yep.example", date(2026, 11, 20), press_officer.id)
    page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Recorded as sent to Yorkshire Evening Post." in page and "20 Nov 2026" in page

    # Without a date, or an outlet, nothing is recorded.
    for bad in ({"outlet": str(yep.id), "sent_on": ""}, {"outlet": "", "sent_on": "2026-11-20"}):
        press.post(f"/pitch/packs/{pack.public_id}/sends", data={"csrf_token": csrf_from(page), **bad})
    assert len(db_session().scalars(select(Send).where(Send.pack_id == pack.id)).all()) == 1

    response = press.post(f"/pitch/sends/{send.id}/reply", data={
        "csrf_token": csrf_from(page), "reply": "Interested: can we talk on Friday?", "replied_on": "2026-11-21"})
    assert response.status_code == 302
    page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Reply from Yorkshire Evening Post recorded." in page
    assert "Interested: can we talk on Friday?" in page and "21 Nov 2026" in page
    response = press.post(f"/pitch/sends/{send.id}/reply", data={"csrf_token": csrf_from(page), "reply": "", "replied_on": ""})
    assert "Write what they said" in press.get(response.headers["Location"]).get_data(as_text=True)

    response = press.post(f"/pitch/packs/{pack.public_id}/coverage", data={
        "csrf_token": csrf_from(page), "outlet_name": "Yorkshire Evening Post", "ran_on": "2026-11-24",
        "link": "https://www.yorkshireeveningpost.example/news/leeds-gardener", "audience": "120000"})
    assert response.status_code == 302
    coverage = db_session().scalars(select(Coverage).where(Coverage.pack_id == pack.id)).one()
    assert (coverage.outlet_id, coverage.story_id, coverage.ran_on, coverage.audience) == (
        yep.id, story.id, date(2026, 11, 24), 120000)
    page = press.get(f"/pitch/packs/{pack.public_id}").get_data(as_text=True)
    assert "Coverage recorded." in page and "(audience 120,000)" in page

    # A bad link or audience is refused with a reason.
    response = press.post(f"/pitch/packs/{pack.public_id}/coverage", data={
        "csrf_token": csrf_from(page), "outlet_name": "Somewhere", "ran_on": "2026-11-24", "link": "not a link",
        "audience": "-5"})
    follow = press.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter a full web address" in follow and "The audience must be a number" in follow
    assert len(db_session().scalars(select(Coverage)).all()) == 1


def test_only_a_ready_pack_can_be_marked_as_sent(app, outlets, press, approved_story, pitching):
    story, _ = approved_story()
    pack = pitching.build(press, story)
    session = db_session()
    stored = session.get(Pack, pack.id)
    stored.status = "failed"
    session.commit()
    outlet = session.scalars(select(Outlet)).first()
    response = press.post(f"/pitch/packs/{pack.public_id}/sends", data={
        "csrf_token": pitching.csrf(press), "outlet": str(outlet.id), "sent_on": "2026-11-20"})
    assert response.status_code == 302
    assert "Only a pack that is ready can be sent." in press.get(response.headers["Location"]).get_data(as_text=True)
    assert db_session().scalars(select(Send)).first() is None


def test_the_coverage_page_lists_what_ran_where_with_a_csv_and_a_chart(app, press, press_officer, approved_story):
    story, _ = approved_story()
    session = db_session()
    packs = [Pack(story_id=story.id, created_by_id=press_officer.id, status="ready", draft={},
                  created_at=datetime(2026, month, 3, 10, 0, tzinfo=timezone.utc)) for month in (9, 10, 10, 11)]
    session.add_all(packs)
    session.flush()
    session.add_all([
        Coverage(story_id=story.id, pack_id=packs[1].id, outlet_name="BBC Radio Leeds", ran_on=date(2026, 10, 14),
                 link="https://www.bbc.example/leeds", audience=250000),
        Coverage(story_id=story.id, pack_id=packs[3].id, outlet_name="=HYPERLINK(\"http://evil\")", ran_on=date(2026, 11, 2)),
        Coverage(story_id=story.id, pack_id=packs[3].id, outlet_name="LeedsLive", ran_on=date(2026, 11, 9),
                 link="https://www.leeds-live.example/story", audience=None),
    ])
    session.commit()

    html = press.get("/pitch/coverage").get_data(as_text=True)
    listed = html.split("What ran where", 1)[1]
    assert listed.index("LeedsLive") < listed.index("BBC Radio Leeds")  # newest first
    assert "14 Oct 2026" in listed and "250,000" in listed and 'href="https://www.bbc.example/leeds"' in listed
    chart = html.split('id="coverage-chart"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">(\d{4}-\d{2})</th>.*?</meter> (\d+)</td>.*?</meter> (\d+)</td></tr>', chart, re.S)
    assert rows == [("2026-09", "1", "0"), ("2026-10", "2", "1"), ("2026-11", "1", "2")]
    assert 'max="2"' in chart

    response = press.get("/pitch/coverage.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="storydesk-coverage.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["outlet", "date", "link", "audience"]
    assert rows[1] == ["BBC Radio Leeds", "2026-10-14", "https://www.bbc.example/leeds", "250000"]
    assert rows[2][0] == "'=HYPERLINK(\"http://evil\")"  # never a formula in a spreadsheet
    assert rows[3] == ["LeedsLive", "2026-11-09", "https://www.leeds-live.example/story", ""]


def test_the_coverage_page_without_any_pitches(press):
    html = press.get("/pitch/coverage").get_data(as_text=True)
    assert "No pitches yet." in html and "No coverage recorded yet." in html
