"""``flask pitch build`` and ``flask pitch load-outlets``."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from core.db import db_session
from moderation import service as moderation
from pitch.directory import load_starter_outlets
from pitch.models import Outlet
from stories.consent import change_consents
from stories.service import withdraw
from tests.factories import make_story


def run(app, *args):
    return app.test_cli_runner().invoke(args=["pitch", *args])


def docx_text(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_load_outlets_loads_the_starter_directory_once(app):
    result = run(app, "load-outlets")
    assert result.exit_code == 0, result.output
    expected = len(load_starter_outlets())
    assert result.stdout.strip() == f"Loaded {expected} outlets."
    assert db_session().scalar(select(func.count()).select_from(Outlet)) == expected

    again = run(app, "load-outlets")
    assert again.exit_code == 0
    assert again.stdout.strip() == "Outlets already present: starter directory not loaded."
    assert db_session().scalar(select(func.count()).select_from(Outlet)) == expected


def test_build_writes_the_same_zip_the_website_builds(app, outlets, press, approved_story, pitching, tmp_path):
    story, _ = approved_story(consents={"website": True, "press": True, "name": True, "interview": True})
    result = run(app, "build", story.public_id, "--out", str(tmp_path / "packs"))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    path = Path(result.stdout.strip())
    assert path.parent == tmp_path / "packs" and path.name.startswith("pitch-pack-leeds-") and path.suffix == ".zip"
    cli_zip = zipfile.ZipFile(path)

    pack = pitching.build(press, story)  # the website, with the draft it offers unchanged
    assert pack.draft["filename"] == path.name
    web_zip = pitching.open_zip(pack)
    assert cli_zip.namelist() == web_zip.namelist()
    for name in cli_zip.namelist():
        if name.endswith(".docx"):
            assert docx_text(cli_zip.read(name)) == docx_text(web_zip.read(name)), name
        else:
            assert cli_zip.read(name) == web_zip.read(name), name
    release = "\n".join(docx_text(cli_zip.read(next(n for n in cli_zip.namelist() if "release" in n))))
    assert f"{pitching.first_name}, from Leeds" in release and "available for interview" in release


def _not_for_press(kind, moderator, approved_story):
    session = db_session()
    if kind == "new":
        story, _ = make_story(consents={"website": True, "press": True})
    elif kind == "website_only":
        story, _ = approved_story(uses=("website",))
    elif kind == "no_press_consent":
        story, _ = approved_story(consents={"website": True}, uses=("website",))
    elif kind == "rejected":
        story, _ = make_story(consents={"website": True, "press": True})
        moderation.reject(session, story, moderator, None, reason="spam", enforce_claim=False)
        session.commit()
    elif kind == "consent_withdrawn":
        story, _ = approved_story()
        change_consents(session, story, {"press": False})
        session.commit()
    else:
        story, _ = approved_story()
        withdraw(session, story, erase=kind == "erased")
        session.commit()
    return story


@pytest.mark.parametrize("kind", ["new", "website_only", "no_press_consent", "rejected", "consent_withdrawn",
                                  "withdrawn", "erased"])
def test_build_refuses_a_story_not_approved_for_the_press(app, outlets, moderator, approved_story, tmp_path, kind):
    story = _not_for_press(kind, moderator, approved_story)
    out = tmp_path / "packs"
    result = run(app, "build", story.public_id, "--out", str(out))
    assert result.exit_code != 0
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].strip(), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_build_refuses_an_unknown_story_and_an_unwritable_folder(app, outlets, approved_story, tmp_path):
    result = run(app, "build", "00000000-0000-0000-0000-000000000000", "--out", str(tmp_path))
    assert result.exit_code != 0 and result.stderr.splitlines() == ["no story with the id 00000000-0000-0000-0000-000000000000"]

    story, _ = approved_story()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run(app, "build", story.public_id, "--out", str(blocker / "packs"))
    assert result.exit_code != 0
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(f"cannot write to {blocker / 'packs'}")
    assert "Traceback" not in result.stderr
