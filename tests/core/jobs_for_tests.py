"""Jobs used by the tests of the jobs layer; they record what they were given."""
from __future__ import annotations

from core.db import get_database

CALLS: list[tuple] = []


def record_call(*ids) -> None:
    CALLS.append(ids)


def always_fails(*ids) -> None:
    raise RuntimeError("this job fails on purpose")


def check_committed(story_id: int) -> None:
    """Runs in a separate session: sees the story only if the transaction committed first."""
    from stories.models import Story

    with get_database().session() as session:
        CALLS.append(("seen", session.get(Story, story_id) is not None))
