"""The moderation queue: tabs by status, filters, keyset pagination that stays fast at scale."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import (
    ARRAY, Integer, Text, and_, bindparam, column, exists, false, func, literal, literal_column, or_, select, text, true,
)
from sqlalchemy.orm import Session

from moderation.models import Review, StoryTag, User
from stories.models import STATUSES, Story, StoryStatusCount, StoryVersion

PAGE_SIZE = 25
# A text search with at most this many matches sorts them (one GIN index lookup); one with more
# walks the queue in order until the page is full, which is quick because matches are common.
SORT_LIMIT = 2000
# Columns of stories that only PostgreSQL has, kept by the database's triggers (migration 0005).
_SEARCH = literal_column("stories.search")
_FACETS = literal_column("stories.facets")
# SQLite's stories matching an FTS5 query (the story's id is the row's id).
_FTS5_MATCHES = text("SELECT rowid FROM story_search WHERE story_search MATCH :match").columns(
    column("rowid", Integer)
)


@dataclass
class QueueFilters:
    status: str = "new"
    theme: str | None = None
    site: str | None = None
    flag: str | None = None
    nation: str | None = None
    town: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None
    after: str | None = None  # cursor

    def active(self) -> dict[str, str]:
        """The filters in use, as query-string values (for links that keep them)."""
        values = {
            "theme": self.theme, "site": self.site, "flag": self.flag, "nation": self.nation, "town": self.town,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None, "q": self.q,
        }
        return {key: value for key, value in values.items() if value}


@dataclass
class QueueRow:
    """What the queue shows of a story: plain values, not the whole story, review and claimant."""

    id: int
    public_id: str
    safeguarding: bool
    created_at: datetime
    town: str | None
    title: str | None
    snippet: str
    claimed_by: str | None  # the claimant's email address
    claimed_at: datetime | None


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def encode_cursor(story: Story | QueueRow) -> str:
    raw = json.dumps([int(bool(story.safeguarding)), story.created_at.isoformat(), story.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[bool, datetime, int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        flagged, created, story_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return bool(flagged), moment, int(story_id)
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def tab_counts(session: Session) -> dict[str, int]:
    """Stories per status, from the counts the database keeps (no scan of every story).

    The six rows are read through the primary key: a bulk load in one transaction leaves the
    counts' table with hundreds of mostly empty pages, which a plain read would scan every time.
    """
    counts = dict(session.execute(
        select(StoryStatusCount.status, StoryStatusCount.n).where(StoryStatusCount.status.in_(STATUSES))
    ).all())
    return {status: max(0, int(counts.get(status, 0))) for status in STATUSES}


def _filtered(filters: QueueFilters, postgres: bool):
    # The status is written into the SQL (it is one of STATUSES), so PostgreSQL can pick that tab's
    # partial index (migration 0005) even in a prepared statement's generic plan.
    query = select(Story).where(Story.status == bindparam("status", _status(filters.status), literal_execute=True))
    tags = [f"{prefix}:{value}" for prefix, value in (("theme", filters.theme), ("site", filters.site),
                                                      ("flag", filters.flag)) if value]
    text_match = _fts5_match(tags, filters.q) if filters.q and not postgres else None
    if tags and postgres:
        # The story's own copy of its tags (migration 0005), indexed with its text vector.
        query = query.where(_FACETS.op("@>")(literal(tags, ARRAY(Text))))
    elif tags and not text_match:
        for tag in tags:
            query = query.where(exists().where(StoryTag.story_id == Story.id, StoryTag.tag == tag))
    if filters.nation:
        query = query.where(Story.nation == filters.nation)
    if filters.town:
        query = query.where(func.lower(Story.town) == filters.town.strip().lower())
    if filters.date_from:
        query = query.where(Story.created_at >= datetime.combine(filters.date_from, time.min, timezone.utc))
    if filters.date_to:
        query = query.where(Story.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, timezone.utc))
    if filters.q and postgres:
        # The stored, indexed tsvector of the story's current version (migration 0005).
        query = query.where(_SEARCH.op("@@")(func.websearch_to_tsquery("english", filters.q)))
    elif text_match:
        # SQLite's FTS5 table (migration 0005) answers the words and the tags together.
        query = query.where(Story.id.in_(_FTS5_MATCHES.bindparams(match=text_match)))
    return query


def _status(status: str) -> str:
    if status not in STATUSES:
        raise ValueError("not a queue tab")
    return status


def _fts5_match(tags: list[str], q: str) -> str | None:
    """An FTS5 query for the tags and up to eight words, each quoted, so nothing typed is an operator."""
    words = [word for word in q.split() if word][:8]
    if not words:
        return None
    parts = [f'{{facets}} : "t{tag.encode().hex().upper()}"' for tag in tags]
    parts += ['{body} : "' + word.replace('"', '""') + '"' for word in words]
    return " AND ".join(parts)


def _queue_order(columns) -> tuple:
    return columns.safeguarding.desc(), columns.created_at.asc(), columns.id.asc()


def _page_rows(session: Session, query, page_size: int, sort_matches: bool):
    """Up to page_size + 1 stories in queue order, each with its claim and the start of its text, in
    one statement; or None when sort_matches finds too many matches to sort.

    With sort_matches (a text search on PostgreSQL) the database takes the matches, unordered, from
    the GIN index over the stories' text vectors and tags, and a few hundred rows are sorted.
    Walking the queue's index in order instead would read the text vector of every story it
    passes: thousands of them at scale for a rare word.
    """
    # The page's stories' own columns come with their keys: the sort's heap visit (or the walk's)
    # already has them, so the stories are not looked up again.
    keys = query.with_only_columns(Story.id, Story.safeguarding, Story.created_at, Story.public_id, Story.town,
                                   Story.current_version_id)
    if sort_matches:
        matches = keys.limit(SORT_LIMIT + 1).subquery("matches")
        page = (
            select(*matches.c, func.count().over().label("total"))
            .order_by(*_queue_order(matches.c)).limit(page_size + 1).subquery("page")
        )
    else:
        page = keys.order_by(*_queue_order(Story)).limit(page_size + 1).subquery("page")
    # The page's keys first, then what the queue shows of those few stories.
    rows = session.execute(
        select(page.c.id, page.c.public_id, page.c.safeguarding, page.c.created_at, page.c.town, StoryVersion.title,
               func.substr(StoryVersion.text, 1, 200).label("snippet"), User.email.label("claimed_by"),
               Review.claimed_at, *([page.c.total] if sort_matches else []))
        .select_from(page)
        .outerjoin(Review, Review.story_id == page.c.id)
        .outerjoin(User, User.id == Review.claimed_by_id)
        .outerjoin(StoryVersion, StoryVersion.id == page.c.current_version_id)
        .order_by(*_queue_order(page.c))
    ).all()
    if sort_matches and rows and rows[0].total > SORT_LIMIT:
        return None
    return rows


def queue_page(session: Session, filters: QueueFilters, page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue: safeguarding-flagged first, then oldest first."""
    postgres = session.get_bind().dialect.name == "postgresql"
    query = _filtered(filters, postgres)
    cursor = decode_cursor(filters.after) if filters.after else None
    if cursor is not None:
        flagged, created, story_id = cursor
        # Written so the index scan can start at the cursor: created_at >= X first.
        after_in_group = and_(Story.created_at >= created, or_(Story.created_at > created, Story.id > story_id))
        # "= false", not "IS false": only an equality lets the index scan start at the cursor.
        if flagged:
            query = query.where(or_(Story.safeguarding == false(), and_(Story.safeguarding == true(), after_in_group)))
        else:
            query = query.where(Story.safeguarding == false(), after_in_group)
    sort_matches = bool(filters.q) and postgres
    rows = _page_rows(session, query, page_size, sort_matches) if sort_matches else None
    if rows is None:
        rows = _page_rows(session, query, page_size, sort_matches=False)
    more = len(rows) > page_size
    page = [
        QueueRow(row.id, row.public_id, bool(row.safeguarding), row.created_at, row.town, row.title, row.snippet or "",
                 row.claimed_by, row.claimed_at if row.claimed_by else None)
        for row in rows[:page_size]
    ]
    return QueuePage(page, encode_cursor(page[-1]) if more else None)
