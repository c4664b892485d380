"""The moderation queue: tabs by status, filters, keyset pagination that stays fast at scale."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, exists, false, func, literal_column, or_, select, true
from sqlalchemy.orm import Session

from moderation.models import Review, StoryTag
from stories.models import STATUSES, Story, StoryStatusCount, StoryVersion

PAGE_SIZE = 25


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
    story: Story
    review: Review | None
    title: str | None = None
    snippet: str = ""


@dataclass
class QueuePage:
    rows: list[QueueRow]
    next_cursor: str | None
    counts: dict[str, int] = field(default_factory=dict)


def encode_cursor(story: Story) -> str:
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
    """Stories per status, from the counts the database keeps (no scan of every story)."""
    counts = dict(session.execute(select(StoryStatusCount.status, StoryStatusCount.n)).all())
    return {status: max(0, int(counts.get(status, 0))) for status in STATUSES}


def _filtered(session: Session, filters: QueueFilters):
    query = select(Story).where(Story.status == filters.status)
    for prefix, value in (("theme", filters.theme), ("site", filters.site), ("flag", filters.flag)):
        if value:
            query = query.where(
                exists().where(StoryTag.story_id == Story.id, StoryTag.tag == f"{prefix}:{value}")
            )
    if filters.nation:
        query = query.where(Story.nation == filters.nation)
    if filters.town:
        query = query.where(func.lower(Story.town) == filters.town.strip().lower())
    if filters.date_from:
        query = query.where(Story.created_at >= datetime.combine(filters.date_from, time.min, timezone.utc))
    if filters.date_to:
        query = query.where(Story.created_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, timezone.utc))
    if filters.q:
        query = query.join(StoryVersion, StoryVersion.id == Story.current_version_id).where(
            _text_match(session, filters.q)
        )
    return query


def _text_match(session: Session, q: str):
    if session.get_bind().dialect.name == "postgresql":
        # The stored, indexed tsvector of migration 0004.
        return literal_column("story_versions.search").op("@@")(func.websearch_to_tsquery("english", q))
    document = func.coalesce(StoryVersion.title, "") + " " + StoryVersion.text
    terms = [term for term in q.split() if term][:8]
    return and_(*[document.ilike(f"%{_escape_like(term)}%", escape="\\") for term in terms])


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def queue_page(session: Session, filters: QueueFilters, page_size: int = PAGE_SIZE) -> QueuePage:
    """One page of the queue: safeguarding-flagged first, then oldest first."""
    query = _filtered(session, filters)
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
    query = query.order_by(Story.safeguarding.desc(), Story.created_at.asc(), Story.id.asc()).limit(page_size + 1)
    stories = list(session.scalars(query))
    more = len(stories) > page_size
    stories = stories[:page_size]
    reviews, texts = {}, {}
    if stories:
        reviews = {r.story_id: r for r in session.scalars(select(Review).where(Review.story_id.in_([s.id for s in stories])))}
        version_ids = [s.current_version_id for s in stories if s.current_version_id]
        texts = {
            row.id: (row.title, row.snippet)
            for row in session.execute(
                select(StoryVersion.id, StoryVersion.title, func.substr(StoryVersion.text, 1, 200).label("snippet"))
                .where(StoryVersion.id.in_(version_ids))
            )
        }
    rows = []
    for story in stories:
        title, snippet = texts.get(story.current_version_id, (None, ""))
        rows.append(QueueRow(story, reviews.get(story.id), title, snippet))
    return QueuePage(rows, encode_cursor(stories[-1]) if more else None)
