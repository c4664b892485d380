"""``flask stories import``: all or nothing, idempotent by external_ref."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from core.db import db_session
from stories.consent import consent_for
from stories.models import Story
from tests.factories import story_text


def record(**overrides):
    data = {
        "text": story_text(70), "town": "Swansea", "first_name": "Rhiannon", "about": "self", "postcode": "SA1 1AA",
        "sites": ["liver"], "diagnosis_year": 2021, "consents": {"website": True, "press": True},
        "adult": True, "own_story": True, "channel": "paper", "consent_evidence": "signed paper form, 3 May",
        "external_ref": "paper-001",
    }
    data.update(overrides)
    return json.dumps(data)


def run_import(app, tmp_path, lines, name="stories.jsonl"):
    path = tmp_path / name
    path.write_bytes(b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines) + b"\n")
    return app.test_cli_runner().invoke(args=["stories", "import", str(path)])


def stories_count():
    return db_session().scalar(select(func.count()).select_from(Story))


def test_import_creates_stories_with_their_consent_records(app, tmp_path):
    result = run_import(app, tmp_path, [record(), record(external_ref=None, channel="event", consent_evidence="meet-up, Leeds")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    ref, story_id = lines[0].split("\t")
    assert ref == "paper-001"
    assert lines[1].split("\t")[0] == "2"
    story = db_session().scalars(select(Story).where(Story.public_id == story_id)).one()
    assert story.channel == "paper" and story.postcode_outward == "SA1" and story.token_hash is None
    assert consent_for(story, "press") and not consent_for(story, "interview")
    press = [row for row in story.consents if row.scope == "press"][0]
    assert press.evidence == "signed paper form, 3 May" and press.channel == "paper"


def test_one_bad_record_imports_nothing_and_names_every_bad_line(app, tmp_path):
    result = run_import(app, tmp_path, [
        record(),
        record(external_ref="b", town=""),
        b'{"text": "broken json',
        record(external_ref="c", consents={"press": "yes"}),
        record(external_ref="d", adult=False),
        record(external_ref="e", about="neighbour"),
        "\xff\xfe".encode("latin-1"),
    ])
    assert result.exit_code != 0
    errors = result.stderr.strip().splitlines()
    assert errors[:6] == [
        "line 2: town: Enter your town or city",
        "line 3: line: not valid JSON (Unterminated string starting at)",
        "line 4: consents.press: must be true or false",
        "line 5: adult: must be true",
        "line 6: about: must be one of self, carer, bereaved",
        "line 7: line: not valid UTF-8",
    ]
    assert stories_count() == 0


def test_importing_the_same_external_ref_again_changes_nothing(app, tmp_path):
    first = run_import(app, tmp_path, [record()])
    second = run_import(app, tmp_path, [record(text=story_text(90))], name="again.jsonl")
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout
    assert stories_count() == 1


def test_a_missing_file_is_one_line_on_stderr(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["stories", "import", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_demo_stories_load_once(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = stories_count()
    assert count >= 3
    assert "already present" in runner.invoke(args=["demo", "load"]).output
    assert stories_count() == count
