"""Jobs run after commit, never for a rolled-back transaction, and take ids only."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from core.db import db_session
from core.jobs import JobArgumentError, enqueue, rq_queue
from stories.models import Story
from tests.core import jobs_for_tests
from tests.factories import make_story, story_text


@pytest.fixture(autouse=True)
def _clear_calls():
    jobs_for_tests.CALLS.clear()


def test_nothing_is_enqueued_for_a_rolled_back_transaction(app, run_jobs):
    story, _ = make_story(commit=False)
    enqueue(jobs_for_tests.record_call, story.id)
    db_session().rollback()
    run_jobs()
    assert jobs_for_tests.CALLS == []
    if not app.config["JOBS_INLINE"]:
        assert rq_queue(app).count == 0


def test_a_job_runs_after_commit_and_sees_the_committed_data(app, run_jobs):
    story, _ = make_story(commit=False)
    enqueue(jobs_for_tests.check_committed, story.id)
    assert jobs_for_tests.CALLS == [], "nothing runs before the commit"
    db_session().commit()
    run_jobs()
    assert jobs_for_tests.CALLS == [("seen", True)]


def test_a_story_whose_job_fails_is_still_stored(app, run_jobs, caplog):
    story, _ = make_story(commit=False)
    enqueue(jobs_for_tests.always_fails, story.id)
    db_session().commit()
    with caplog.at_level(logging.ERROR):
        run_jobs()
    db_session().expire_all()
    assert db_session().get(Story, story.id) is not None


@pytest.mark.parametrize("bad", ["I was told it had spread to my bones", {"id": 1}, 1.5, True, "a" * 100])
def test_jobs_refuse_anything_but_ids(app, bad):
    with pytest.raises(JobArgumentError):
        enqueue(jobs_for_tests.record_call, bad)


def test_rq_jobs_carry_only_the_job_name_and_ids(app):
    if app.config["JOBS_INLINE"]:
        pytest.skip("needs REDIS_URL: jobs run inline on the embedded default")
    story, _ = make_story(commit=False)
    enqueue(jobs_for_tests.record_call, story.id, "abc-123")
    db_session().commit()
    job = rq_queue(app).jobs[-1]
    assert job.args == ("tests.core.jobs_for_tests.record_call", story.id, "abc-123")
    assert job.kwargs == {}
    assert job.retries_left == 3


def test_when_redis_is_down_the_story_is_still_saved(app_factory, client, csrf, caplog):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)
    client = down.test_client()
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/share").get_data(as_text=True))
    with caplog.at_level(logging.WARNING):
        response = client.post("/share", data={
            "csrf_token": token, "text": story_text(60), "about": "self", "town": "Hull", "adult": "y", "own_story": "y",
        })
    assert response.status_code == 302
    with down.app_context():
        assert db_session().scalars(select(Story)).one().town == "Hull"
        story, _ = make_story(commit=False, town="Goole")
        enqueue(jobs_for_tests.record_call, story.id)
        with caplog.at_level(logging.WARNING):
            db_session().commit()
        assert db_session().scalars(select(Story).where(Story.town == "Goole")).one()
    assert any("could not enqueue" in r.getMessage() for r in caplog.records)
