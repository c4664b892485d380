"""Sharing a story on /share: the happy path, and every kind of bad input."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.audit import AuditEvent
from core.db import db_session
from stories.models import CONSENT_SCOPES, Photo, Story
from tests.factories import story_text


def form_data(token: str, **overrides):
    data = {
        "csrf_token": token,
        "title": "Finding my voice",
        "text": story_text(80),
        "first_name": "Morag",
        "email": "morag@example.org",
        "about": "self",
        "town": "Dundee",
        "postcode": "dd1 4hn",
        "sites": ["bones", "liver"],
        "diagnosis_year": "2022",
        "consent_website": "y",
        "consent_press": "y",
        "adult": "y",
        "own_story": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count(model) -> int:
    return db_session().scalar(select(func.count()).select_from(model))


def summary_links(html: str) -> list[str]:
    box = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    return re.findall(r'href="#([^"]+)"', box)


def test_share_page_has_the_labelled_fields(client):
    html = client.get("/share").get_data(as_text=True)
    for label in [
        "Give your story a title", "Your story", "Your first name", "Email address", "Who is this story about?",
        "Town or city", "Postcode", "Where has the cancer spread?", "Year of secondary diagnosis", "Add a photo",
        "Publish my story on the website", "Share my story with journalists",
        "Contact me about a radio or TV interview", "Use my first name (otherwise we keep you anonymous)",
        "Use my photo", "Contact me about my story", "I am 18 or over",
        "This story is mine to share, or I have permission to share it",
    ]:
        assert label in html
    assert " checked" not in html, "no consent box may be ticked in advance"


def test_sharing_stores_the_story_with_a_row_per_consent_and_shows_the_receipt(client, csrf):
    response = client.post("/share", data=form_data(csrf()))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    story = db_session().scalars(select(Story)).one()
    assert story.postcode_outward == "DD1"
    assert story.town == "Dundee" and story.first_name == "Morag" and story.sites == ["bones", "liver"]
    assert story.versions[0].text.startswith("I was told") and story.versions[0].number == 1
    rows = {row.scope: row for row in story.consents}
    assert {s: rows[s].granted for s in CONSENT_SCOPES} == {
        "website": True, "press": True, "interview": False, "name": False, "photo": False, "contact": False,
    }
    assert rows["adult"].granted and rows["own_story"].granted
    assert all(row.wording and row.wording_version and row.channel == "web" for row in rows.values())
    # The receipt and the private link, shown once, and support signposted.
    token = re.search(r'/my-story/([A-Za-z0-9_\-]+)', page).group(1)
    assert len(token) >= 22  # at least 128 bits
    assert story.token_hash != token and token not in story.token_hash
    assert "Publish my story on the website" in page and "Samaritans" in page and "116 123" in page
    again = client.get("/share/received").get_data(as_text=True)
    assert token not in again, "the private link is shown only once"
    assert count(AuditEvent) == 1


def test_missing_answers_come_back_with_a_summary_and_what_was_typed(client, csrf):
    response = client.post("/share", data=form_data(csrf(), town="", adult=None, about=None, text="Too short to count"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html
    assert summary_links(html) == ["text", "about-0", "town", "adult"]
    assert "Enter your town or city" in html and "Confirm that you are 18 or over" in html
    assert "Too short to count" in html and 'value="Morag"' in html and 'value="morag@example.org"' in html
    assert re.search(r'value="bones" checked', html)
    assert count(Story) == 0


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "not-an-email", "Enter an email address in the correct format"),
        ("postcode", "XYZ 123", "Enter a real UK postcode"),
        ("diagnosis_year", "1850", "Year of secondary diagnosis must be between 1950"),
        ("about", "someone-else", "Select who this story is about"),
        ("sites", ["bones", "toes"], "Select where the cancer has spread from the list"),
    ],
)
def test_each_bad_answer_has_its_own_message(client, csrf, field, value, message):
    response = client.post("/share", data=form_data(csrf(), **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(Story) == 0


def test_a_200000_word_story_is_refused_in_the_page(client, csrf):
    huge = story_text(200_000)
    response = client.post("/share", data=form_data(csrf(), text=huge))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "must be 10,000 words or fewer. It is 200,000 words" in html
    assert count(Story) == 0


def test_html_and_script_in_every_field_is_refused_and_never_echoed_raw(client, csrf):
    script = '<script>alert("x")</script>'
    data = form_data(csrf(), title=script, text=story_text(60) + " " + script, first_name=script, email=script,
                     town=script, postcode=script, diagnosis_year=script, about=script, sites=[script])
    response = client.post("/share", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert script not in html
    assert "&lt;script&gt;" in html  # what was typed is kept, escaped
    for anchor in ["title", "text", "first_name", "email", "about-0", "town", "postcode", "sites-0", "diagnosis_year"]:
        assert anchor in summary_links(html)
    assert count(Story) == 0


def test_invalid_utf8_gets_a_message_not_a_crash(client, csrf):
    token = csrf()
    body = (
        f"csrf_token={token}&about=self&adult=y&own_story=y&town=Leeds&text=".encode()
        + ("word%20" * 60).encode() + b"%FF%FE%FA"
    )
    response = client.post("/share", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "characters we could not read" in response.get_data(as_text=True)
    assert count(Story) == 0


def test_a_missing_csrf_token_keeps_what_was_typed(client):
    response = client.post("/share", data=form_data("forged"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This form has expired" in html and 'value="Morag"' in html
    assert count(Story) == 0


def test_the_hidden_honeypot_drops_bots_silently(client, csrf):
    response = client.post("/share", data=form_data(csrf(), website_address="http://spam.example"))
    assert response.status_code == 302
    assert count(Story) == 0


def test_submissions_per_address_are_capped_with_a_friendly_page(app_factory, tmp_path):
    app = app_factory(SUBMISSION_RATE_LIMIT="2 per hour")
    client = app.test_client()
    from tests.conftest import csrf_from

    statuses = []
    for _ in range(3):
        token = csrf_from(client.get("/share").get_data(as_text=True))
        statuses.append(client.post("/share", data=form_data(token, town="")).status_code)
    assert statuses == [400, 400, 429]
    page = client.post("/share", data={}).get_data(as_text=True)
    assert "wait an hour" in page


# --- photos -------------------------------------------------------------------

def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (200, 30, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (53.0, 48.0, 30.0), 3: "W", 4: (1.0, 33.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_its_exif_and_gps(app, client, csrf):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), "the fixture must carry GPS"
    data = form_data(csrf(), consent_photo="y")
    data["photo"] = (io.BytesIO(original), "holiday.jpg")
    response = client.post("/share", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    photo = db_session().scalars(select(Photo)).one()
    from core.storage import get_storage

    stored = get_storage().open(photo.storage_key)
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG" and image.size == (120, 80)
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert b"PhoneMaker" not in stored and "holiday" not in photo.storage_key


def _post_photo(client, csrf, payload: bytes, name: str = "photo.jpg"):
    data = form_data(csrf())
    data["photo"] = (io.BytesIO(payload), name)
    return client.post("/share", data=data, content_type="multipart/form-data")


def test_a_fake_image_is_refused_by_content_not_name(client, csrf):
    response = _post_photo(client, csrf, b"MZ\x90\x00 this is a program, not a photo" * 10, "innocent.jpg")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "not a photo we can read" in html and 'value="Morag"' in html
    assert count(Story) == 0 and count(Photo) == 0


def test_a_decompression_bomb_is_refused(client, csrf):
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 megapixels in a few kilobytes
    assert bomb.tell() < 1_000_000
    response = _post_photo(client, csrf, bomb.getvalue(), "bomb.png")
    assert response.status_code == 400
    assert "too large to process" in response.get_data(as_text=True)
    assert count(Story) == 0


def test_a_photo_over_10mb_is_refused_in_the_page(client, csrf):
    response = _post_photo(client, csrf, b"\xff\xd8\xff" + b"0" * (11 * 1024 * 1024))
    assert response.status_code == 400
    assert "smaller than 10 MB" in response.get_data(as_text=True)
    assert count(Story) == 0


def test_a_50mb_upload_gets_a_clear_message(client, csrf):
    response = _post_photo(client, csrf, b"\xff\xd8\xff" + b"0" * (50 * 1024 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code in (400, 413)
    assert "smaller than 10 MB" in html
    assert count(Story) == 0


def test_an_upload_beyond_the_request_limit_gets_the_friendly_413_page(app_factory):
    app = app_factory(MAX_CONTENT_LENGTH=1024 * 1024)
    response = app.test_client().post(
        "/share", data={"photo": (io.BytesIO(b"0" * (2 * 1024 * 1024)), "big.jpg")}, content_type="multipart/form-data"
    )
    assert response.status_code == 413
    assert "too large to send" in response.get_data(as_text=True)
