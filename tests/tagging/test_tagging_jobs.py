"""Tagging in the background: after commit, exactly once, and never with story text in a job or a log."""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from core.db import db_session
from core.jobs import rq_queue
from moderation.models import StoryTag, Tagging
from moderation.nlp.jobs import sweep, tag_version
from stories.models import Story
from tests.factories import make_story

AT_RISK = (
    "I was diagnosed with secondary breast cancer in my liver last spring and the treatment has been hard. "
    "Some nights I don't want to go on any more and I have thought about ending it all. My specialist nurse "
    "has been kind and I am waiting for counselling, but the wait is long and I feel very alone with it. "
    "My daughter does not know how low I get and I do not want to worry her while she has exams."
)
CALM = (
    "I live in Norwich and my cancer spread to my bones three years ago. I take my tablets every morning, walk "
    "the dog by the river and see my grandchildren at weekends. The tiredness is the worst part of treatment, "
    "but my oncologist listens and the hospice day centre runs a lovely art group on Tuesdays that I look forward to."
)


def taggings(story_id: int) -> list[Tagging]:
    return db_session().scalars(select(Tagging).where(Tagging.story_id == story_id)).all()


def test_a_new_story_is_tagged_after_commit_and_its_tags_feed_the_queue(app, run_jobs):
    story, _ = make_story(text=AT_RISK)
    run_jobs()
    session = db_session()
    session.expire_all()
    story = session.get(Story, story.id)
    [tagging] = taggings(story.id)
    assert tagging.version_id == story.current_version_id
    assert tagging.flags["safeguarding"] is True
    assert story.safeguarding is True
    tags = set(session.scalars(select(StoryTag.tag).where(StoryTag.story_id == story.id)))
    assert "flag:safeguarding" in tags and "site:liver" in tags


def test_a_safeguarding_flag_puts_the_story_first_in_the_queue(app, run_jobs):
    from moderation.queue import QueueFilters, queue_page

    calm, _ = make_story(text=CALM)
    at_risk, _ = make_story(text=AT_RISK)
    run_jobs()
    db_session().expire_all()
    rows = queue_page(db_session(), QueueFilters(status="new")).rows
    assert [row.id for row in rows] == [at_risk.id, calm.id]


def test_retagging_the_same_version_replaces_its_tags(app, run_jobs):
    story, _ = make_story(text=CALM)
    run_jobs()
    version_id = db_session().get(Story, story.id).current_version_id
    tag_version(version_id)
    tag_version(version_id)
    db_session().expire_all()
    assert len(taggings(story.id)) == 1
    assert db_session().scalar(select(func.count()).select_from(StoryTag).where(StoryTag.story_id == story.id)) == len(
        set(db_session().scalars(select(StoryTag.tag).where(StoryTag.story_id == story.id)))
    )


def test_when_redis_is_down_the_story_waits_untagged_and_the_sweep_catches_up(app_factory, run_jobs, app):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)
    with down.app_context():
        story, _ = make_story(text=CALM)
        assert db_session().get(Story, story.id) is not None
        assert taggings(story.id) == []
    # Back on a working configuration: the sweep (also run when a worker starts) queues it.
    assert sweep(db_session()) >= 1
    run_jobs()
    db_session().expire_all()
    assert len(taggings(story.id)) == 1
    assert sweep(db_session()) == 0


def test_the_review_page_says_not_tagged_yet_until_tags_arrive(app_factory):
    down = app_factory(REDIS_URL="redis://127.0.0.1:1/0", JOBS_INLINE=False)
    with down.app_context():
        story, _ = make_story(text=CALM)
        from moderation.findings import tagging_for_current

        assert tagging_for_current(db_session(), db_session().get(Story, story.id)) is None


def test_no_story_text_in_job_arguments_or_logs(app, run_jobs, caplog):
    with caplog.at_level(logging.DEBUG):
        story, _ = make_story(text=AT_RISK, first_name="Philippa", town="Keswick")
        if not app.config["JOBS_INLINE"]:
            job = rq_queue(app).jobs[-1]
            assert job.args == ("moderation.nlp.jobs.tag_version", story.current_version_id)
            assert "ending it" not in json.dumps([job.args, job.kwargs, job.description])
        run_jobs()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for personal in ("ending it", "Philippa", "Keswick", "daughter"):
        assert personal not in logged


def test_a_killed_tagging_job_is_retried_and_the_story_is_tagged_exactly_once(app, run_jobs, tmp_path, database):
    if app.config["JOBS_INLINE"]:
        pytest.skip("needs REDIS_URL: there is no worker to kill when jobs run inline")
    from rq import Retry
    from rq.registry import StartedJobRegistry

    from core.jobs import run_job

    story, _ = make_story(text=CALM)
    rq_queue(app).empty()  # drop the ordinary tagging job: this test queues its own
    version_id = db_session().get(Story, story.id).current_version_id
    marker = tmp_path / "hang"
    marker.write_text("hang")
    queue = rq_queue(app)
    job = queue.enqueue(run_job, "tests.tagging.slow_jobs.tag_then_hang", version_id, retry=Retry(max=2), job_timeout=600)

    url, schema = database
    env = {
        **os.environ, "DATABASE_URL": url, "DATABASE_SCHEMA": schema or "", "REDIS_URL": app.config["REDIS_URL"],
        "FLASK_DEBUG": "1", "STORYDESK_INSTANCE": app.config["INSTANCE_PATH"], "FILES_DIR": app.config["FILES_DIR"],
        "STORYDESK_TEST_HANG_MARKER": str(marker), "PYTHONPATH": os.getcwd(),
    }
    for key in ("S3_BUCKET", "S3_ENDPOINT_URL"):
        if app.config.get(key):
            env[key] = app.config[key]
    code = (
        "from rq import Worker; from core.jobs import _worker_app, redis_connection;"
        "app = _worker_app(); Worker(['default'], connection=redis_connection(app)).work(burst=True)"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], env=env, start_new_session=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and not taggings(story.id):
            db_session().expire_all()
            time.sleep(0.3)
        assert taggings(story.id), "the job should have written its tags before hanging"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse die mid-job
        worker.wait()
    marker.unlink()
    StartedJobRegistry(queue=queue).cleanup(timestamp=time.time() + 100_000)  # what a live worker does on its rounds
    job.refresh()
    assert job.retries_left == 1
    run_jobs()
    job.refresh()
    assert job.get_status() == "finished"
    db_session().expire_all()
    assert len(taggings(story.id)) == 1


def test_flask_nlp_tag_prints_one_json_object_per_line(app, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": CALM}) + "\n" + json.dumps({"id": "b", "text": AT_RISK}) + "\n")
    result = app.test_cli_runner().invoke(args=["nlp", "tag", str(path)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == ["a", "b"]
    for row, text in zip(rows, [CALM, AT_RISK]):
        assert set(row) == {"id", "themes", "sites", "location", "places", "quotes", "pii", "flags"}
        for span in row["places"] + row["quotes"] + row["pii"]:
            assert text[span["start"]:span["end"]] == span["text"]
        assert all(set(theme) == {"slug", "score"} for theme in row["themes"])
    assert rows[0]["flags"]["safeguarding"] is False and rows[1]["flags"]["safeguarding"] is True
    assert "bones" in rows[0]["sites"]


def test_flask_nlp_tag_reads_plain_text_and_refuses_bad_input(app, tmp_path):
    plain = tmp_path / "in.txt"
    plain.write_text(CALM + "\n\n" + CALM + "\n")
    result = app.test_cli_runner().invoke(args=["nlp", "tag", str(plain)])
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 3]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "fine"}\n{"id": 2}\n')
    result = app.test_cli_runner().invoke(args=["nlp", "tag", str(bad)])
    assert result.exit_code != 0 and result.stdout == ""
    assert result.stderr.strip() == "line 2: text: required, as a string"
