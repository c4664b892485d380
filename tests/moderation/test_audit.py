"""The audit log for admins: every status change with who, when, from, to and why; filters; CSV."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

import pytest

from core.audit import record
from core.db import db_session
from moderation import service
from tests.factories import make_story


@pytest.fixture
def history(make_user):
    """Two stories acted on by two moderators."""
    alice, bob = make_user("moderator", email="alice@charity.example"), make_user("moderator", email="bob@charity.example")
    one, _ = make_story()
    two, _ = make_story()
    session = db_session()
    service.approve(session, one, alice, None, uses=["website"], enforce_claim=False)
    service.reject(session, two, bob, None, reason="duplicate", enforce_claim=False)
    session.commit()
    return alice, bob, one, two


def rows_of(client, query=""):
    response = client.get("/moderation/audit.csv" + (f"?{query}" if query else ""))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_audit_page_lists_who_did_what_and_why(staff, history):
    alice, bob, one, two = history
    client, _ = staff("admin")
    html = client.get("/moderation/audit").get_data(as_text=True)
    assert "alice@charity.example" in html and "bob@charity.example" in html
    assert "in review → approved" in html and "in review → rejected" in html
    assert "A duplicate of another story" in html and "approved for website" in html


def test_the_csv_has_every_status_change_with_its_actor(staff, history):
    alice, bob, one, two = history
    client, _ = staff("admin")
    rows = rows_of(client, "action=status_changed")
    changes = {(r["story"], r["actor"], r["from"], r["to"]) for r in rows}
    assert changes >= {
        (one.public_id, alice.email, "new", "in_review"), (one.public_id, alice.email, "in_review", "approved"),
        (two.public_id, bob.email, "new", "in_review"), (two.public_id, bob.email, "in_review", "rejected"),
    }
    assert all(r["at"] for r in rows)
    assert "attachment" in client.get("/moderation/audit.csv").headers["Content-Disposition"]


def test_the_filters_narrow_the_log(staff, history):
    alice, bob, one, two = history
    client, _ = staff("admin")
    assert {r["actor"] for r in rows_of(client, f"actor={bob.email}")} == {bob.email}
    assert {r["story"] for r in rows_of(client, f"story={one.public_id}")} == {one.public_id}
    assert {r["action"] for r in rows_of(client, "action=story_submitted")} == {"story_submitted"}
    today = datetime.now(timezone.utc).date().isoformat()
    assert len(rows_of(client, f"from={today}&to={today}")) == len(rows_of(client))
    assert rows_of(client, "to=2000-01-01") == []
    html = client.get(f"/moderation/audit?actor={alice.email}").get_data(as_text=True)
    assert "alice@charity.example" in html and "bob@charity.example" not in html.split("<tbody>", 1)[1]
    bad = client.get("/moderation/audit?from=yesterday")
    assert bad.status_code == 400 and "From must be a date" in bad.get_data(as_text=True)


def test_a_cell_that_looks_like_a_formula_is_defused(staff, app):
    client, _ = staff("admin")
    record(db_session(), "note_added", actor_kind="system", reason="=HYPERLINK(\"http://evil.example\")")
    db_session().commit()
    (row,) = rows_of(client, "action=note_added")
    assert row["reason"].startswith("'=")


def test_only_admins_see_the_audit_log(staff):
    client, _ = staff("moderator")
    assert client.get("/moderation/audit").status_code == 403
    assert client.get("/moderation/audit.csv").status_code == 403
