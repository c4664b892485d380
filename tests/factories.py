"""Stories for tests, made through the same service the website uses."""
from __future__ import annotations

from core.db import db_session
from core.storage import get_storage
from stories import service

WORDS = (
    "I was told the cancer had come back in my bones after years of feeling well and nobody had ever "
    "explained the signs to look out for so I carried on with my life until the pain in my back made it "
    "impossible to sleep and I finally asked for a scan which showed what had happened"
)


def story_text(words: int = 60, lead: str = "") -> str:
    base = WORDS.split()
    out = (lead.split() if lead else []) + [base[i % len(base)] for i in range(words)]
    return " ".join(out[:max(words, len(lead.split()))])


def make_story(commit: bool = True, photo=None, **fields):
    consents = fields.pop("consents", {"website": True, "press": True})
    data = service.StoryInput(
        text=fields.pop("text", story_text()), town=fields.pop("town", "Leeds"), about=fields.pop("about", "self"),
        first_name=fields.pop("first_name", "Alex"), email=fields.pop("email", None),
        postcode_outward=fields.pop("postcode_outward", "LS6"), sites=fields.pop("sites", ["bones"]),
        consents=consents, adult=True, own_story=True, title=fields.pop("title", None),
    )
    session = db_session()
    story, token = service.create_story(session, data, storage=get_storage(), photo=photo, **fields)
    if commit:
        session.commit()
    return story, token
