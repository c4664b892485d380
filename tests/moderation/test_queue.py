"""The queue at /moderation: tabs with counts, safeguarding first then oldest, filters, pages."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete

from core.db import db_session
from moderation.models import StoryTag
from tests.factories import make_story, story_text

BASE = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
LINK = re.compile(r'href="/moderation/stories/([0-9a-f-]{36})"')


@pytest.fixture
def moderator(staff):
    return staff("moderator")[0]


def stories(n: int, **fields):
    made = [make_story(title=f"Story {i}", **fields)[0] for i in range(n)]
    session = db_session()
    # Whatever the tagger found (it runs inline without Redis), each test sets its own tags.
    session.execute(delete(StoryTag))
    for i, story in enumerate(made):
        story.created_at = BASE + timedelta(hours=i)
        story.safeguarding = False
    session.commit()
    return made


def listed(client, query: str = "") -> list[str]:
    response = client.get("/moderation" + (f"?{query}" if query else ""))
    assert response.status_code == 200, response.status_code
    return LINK.findall(response.get_data(as_text=True))


def ids(*items) -> list[str]:
    return [story.public_id for story in items]


def test_tabs_show_a_count_per_status(moderator):
    made = stories(6)
    for story, status in zip(made, ["in_review", "in_review", "approved", "withdrawn"]):
        story.status = status
    db_session().commit()
    html = moderator.get("/moderation").get_data(as_text=True)
    counts = dict(re.findall(r'>([A-Za-z ]+) <span class="count">\((\d+)\)</span>', html))
    assert counts == {"New": "2", "In review": "2", "Changes requested": "0", "Approved": "1", "Rejected": "0",
                      "Withdrawn": "1"}
    assert listed(moderator) == ids(*made[4:])
    assert listed(moderator, "status=in_review") == ids(*made[:2])
    assert listed(moderator, "status=withdrawn") == ids(made[3])


def test_safeguarding_flagged_stories_come_first_then_the_oldest(moderator):
    a, b, c, d = stories(4)
    # Newest first in time order d, c, b, a: make d the oldest and b flagged.
    a.created_at, b.created_at, c.created_at, d.created_at = BASE + timedelta(days=3), BASE + timedelta(days=2), \
        BASE + timedelta(days=1), BASE
    b.safeguarding = True
    db_session().commit()
    assert listed(moderator) == ids(b, d, c, a)
    html = moderator.get("/moderation").get_data(as_text=True)
    assert html.count("Safeguarding: read first") == 1


def tag(story, *tags):
    db_session().add_all(StoryTag(story_id=story.id, tag=t) for t in tags)


def test_filters_by_theme_site_and_flag_use_the_story_tags(moderator):
    a, b, c = stories(3)
    tag(a, "theme:waiting", "site:liver")
    tag(b, "theme:waiting", "site:brain", "flag:spam")
    tag(c, "theme:treatment", "site:liver")
    db_session().commit()
    assert listed(moderator, "theme=waiting") == ids(a, b)
    assert listed(moderator, "site=liver") == ids(a, c)
    assert listed(moderator, "flag=spam") == ids(b)
    assert listed(moderator, "theme=waiting&site=liver") == ids(a)
    assert listed(moderator, "theme=end_of_life") == []
    assert "No stories here match these filters" in moderator.get("/moderation?theme=end_of_life").get_data(as_text=True)
    # An unknown value is ignored rather than matching nothing.
    assert listed(moderator, "theme=nonsense") == ids(a, b, c)


def test_filters_by_nation_and_town(moderator):
    a, b, c = stories(3)
    a.nation, a.town = "Scotland", "Dundee"
    b.nation, b.town = "Wales", "Swansea"
    c.nation, c.town = "Scotland", "Glasgow"
    db_session().commit()
    assert listed(moderator, "nation=Scotland") == ids(a, c)
    assert listed(moderator, "nation=Wales") == ids(b)
    assert listed(moderator, "town=dundee") == ids(a)
    assert listed(moderator, "town=+Glasgow+&nation=Scotland") == ids(c)
    assert listed(moderator, "town=Glasgow&nation=Wales") == []


def test_filters_by_date_range_inclusive_of_both_days(moderator):
    a, b, c = stories(3)
    a.created_at = datetime(2026, 1, 10, 23, 59, tzinfo=timezone.utc)
    b.created_at = datetime(2026, 1, 11, 0, 0, tzinfo=timezone.utc)
    c.created_at = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)
    db_session().commit()
    assert listed(moderator, "from=2026-01-11") == ids(b, c)
    assert listed(moderator, "to=2026-01-11") == ids(a, b)
    assert listed(moderator, "from=2026-01-11&to=2026-01-19") == ids(b)
    bad = moderator.get("/moderation?from=11/01/2026")
    assert bad.status_code == 400 and "From must be a date" in bad.get_data(as_text=True)


def test_free_text_search_finds_words_in_the_current_version(moderator):
    a, b, c = stories(3)
    session = db_session()
    from stories.service import add_version

    add_version(session, a, text=story_text(60, "My oncologist mentioned lymphoedema"), title=None, kind="edit", author_user_id=None)
    add_version(session, b, text=story_text(60, "The hospice nurses were wonderful"), title="Hospice care", kind="edit",
                author_user_id=None)
    session.commit()
    assert listed(moderator, "q=lymphoedema") == ids(a)
    assert listed(moderator, "q=hospice") == ids(b)
    assert listed(moderator, "q=hospice+nurses") == ids(b)
    assert listed(moderator, "q=hospice+lymphoedema") == []
    assert set(listed(moderator, "q=bones")) == set(ids(a, b, c))
    assert listed(moderator, "q=100%25") == []  # a percent sign is not a wildcard


@pytest.mark.parametrize("q", ['"', 'hospice"', 'NEAR(hospice nurses)', 'hosp*', '{body}: hospice', "hospice's",
                               "\\", "'; DROP TABLE stories; --", "!!!", "NOT", "(hospice"])
def test_search_syntax_typed_into_the_box_is_only_ever_words(moderator, q):
    a, b = stories(2)
    from stories.service import add_version

    add_version(db_session(), a, text=story_text(40, "The hospice nurses were wonderful"), title=None, kind="edit",
                author_user_id=None)
    db_session().commit()
    response = moderator.get("/moderation", query_string={"q": q})
    assert response.status_code == 200
    assert set(LINK.findall(response.get_data(as_text=True))) <= set(ids(a))
    assert listed(moderator, "q=hospice") == ids(a)


def test_pagination_visits_every_story_exactly_once(moderator):
    made = stories(53)
    # Two share a timestamp, and a few are flagged, so the cursor has to break ties and cross groups.
    made[10].created_at = made[11].created_at
    for i in (5, 30, 52):
        made[i].safeguarding = True
    db_session().commit()
    seen, pages, path = [], 0, "/moderation"
    while path:
        html = moderator.get(path).get_data(as_text=True)
        found = LINK.findall(html)
        assert len(found) <= 25
        seen += found
        pages += 1
        match = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html)
        path = match.group(1).replace("&amp;", "&") if match else None
        assert pages <= 5
    assert pages == 3
    assert len(seen) == len(set(seen)) == 53
    assert seen[:3] == ids(made[5], made[30], made[52])
    assert seen[3:] == ids(*[s for i, s in enumerate(made) if i not in (5, 30, 52)])


def test_pagination_keeps_the_filters(moderator):
    made = stories(27)
    for story in made:
        tag(story, "theme:waiting")
    db_session().commit()
    first = moderator.get("/moderation?theme=waiting").get_data(as_text=True)
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "theme=waiting" in next_link
    assert len(LINK.findall(moderator.get(next_link).get_data(as_text=True))) == 2


def test_a_text_search_pages_the_same_whether_its_matches_are_sorted_or_the_queue_is_walked(moderator, monkeypatch):
    import moderation.queue

    made = stories(30)
    session = db_session()
    from stories.service import add_version

    # Every other story mentions hydrotherapy; two of those are flagged and one has a theme.
    for i, story in enumerate(made):
        if i % 2 == 0:
            add_version(session, story, text=story_text(40, "Hydrotherapy helped my back"), title=None, kind="edit",
                        author_user_id=None)
    session.commit()
    # Without Redis the tagger has just run on the new versions: set flags and tags here instead.
    session.execute(delete(StoryTag))
    for i, story in enumerate(made):
        story.safeguarding = i in (8, 20)
    tag(made[4], "theme:living_well")
    session.commit()
    flagged, rest = [made[8], made[20]], [s for i, s in enumerate(made) if i % 2 == 0 and i not in (8, 20)]

    def walk(query):
        seen, path = [], f"/moderation?{query}"
        while path:
            html = moderator.get(path).get_data(as_text=True)
            seen += LINK.findall(html)
            match = re.search(r'<a href="([^"]+)" rel="next">Next page</a>', html)
            path = match.group(1).replace("&amp;", "&") if match else None
        return seen

    expected = ids(*flagged, *rest)
    sorted_pages = walk("q=hydrotherapy")
    monkeypatch.setattr(moderation.queue, "SORT_LIMIT", 3)  # too many matches to sort: walk the queue
    assert walk("q=hydrotherapy") == sorted_pages == expected
    monkeypatch.setattr(moderation.queue, "PAGE_SIZE", 4)
    assert walk("q=hydrotherapy") == expected
    assert walk("q=hydrotherapy&theme=living_well") == ids(made[4])


def test_a_story_withdrawn_and_deleted_is_no_longer_found_by_its_words(moderator):
    from stories.service import add_version, withdraw

    kept, erased = stories(2)
    session = db_session()
    for story in (kept, erased):
        add_version(session, story, text=story_text(40, "The lymphoedema clinic was wonderful"), title=None,
                    kind="edit", author_user_id=None)
    session.commit()
    assert listed(moderator, "q=lymphoedema") == ids(kept, erased)
    withdraw(session, erased, erase=True)
    session.commit()
    assert listed(moderator, "q=lymphoedema") == ids(kept)
    assert listed(moderator, "status=withdrawn&q=lymphoedema") == []
    assert listed(moderator, "status=withdrawn") == ids(erased)
