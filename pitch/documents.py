"""Word documents for a pitch: the press release and the radio pitch (python-docx).

Both are built from plain dataclasses so the pack job, the web preview and the CLI share
them. Layout uses Word's own styles (Title, Subtitle, Heading 1 and 2, Normal, List Bullet,
List Number, Quote, Caption): no spaces or empty paragraphs for spacing, so a newsdesk can
restyle or paste the text cleanly. All text has its whitespace tidied, so a stray double
space from a form never reaches the page.

The caller decides, from the storyteller's consent, how the storyteller is named
(``storyteller_description``) and whether a photo caption or an interview offer appears;
this module only lays out what it is given.
"""
from __future__ import annotations

import copy
import datetime
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

DATA_DIR = Path(__file__).parent / "data"

IMMEDIATE_RELEASE = "FOR IMMEDIATE RELEASE"
ENDS = "ENDS"
NOTES_TO_EDITORS = "Notes to editors"
WORDS_PER_MINUTE = 150
SCRIPT_TARGET_WORDS = 75  # about 30 seconds read aloud at 150 words a minute

# Written out rather than taken from strftime, which follows the server's locale.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WORD = re.compile(r"\S*[0-9A-Za-zÀ-ÿ]\S*")


@dataclass(frozen=True)
class CampaignFact:
    text: str
    source: str
    id: str = ""


@dataclass(frozen=True)
class CampaignFacts:
    campaign: str
    boilerplate: str
    facts: tuple[CampaignFact, ...]


@lru_cache(maxsize=1)
def load_campaign_facts() -> CampaignFacts:
    """The campaign's facts and their sources, from ``campaign_facts.json``, read once."""
    data = json.loads((DATA_DIR / "campaign_facts.json").read_text(encoding="utf-8"))
    for key in ("campaign", "boilerplate", "facts"):
        if not data.get(key):
            raise ValueError(f"campaign_facts.json: {key}: missing or empty")
    facts = []
    for number, item in enumerate(data["facts"], start=1):
        for key in ("id", "text", "source"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ValueError(f"campaign_facts.json: fact {number}: {key}: missing or empty")
        facts.append(CampaignFact(text=item["text"], source=item["source"], id=item["id"]))
    return CampaignFacts(campaign=data["campaign"], boilerplate=data["boilerplate"], facts=tuple(facts))


def _campaign_facts() -> tuple[CampaignFact, ...]:
    return load_campaign_facts().facts


def _boilerplate() -> str:
    return load_campaign_facts().boilerplate


@dataclass(frozen=True)
class MediaContact:
    name: str
    email: str
    phone: str


@dataclass
class PressRelease:
    """A UK press release.

    The first paragraph is either composed from ``what`` and ``why`` ("<who>, from <town>,
    <what> <why>.") or, when ``what`` is empty, is ``body[0]``; the rest of ``body`` follows.
    ``embargo`` None means for immediate release.
    """

    headline: str
    standfirst: str
    town: str
    date: datetime.date
    storyteller_description: str
    spokesperson_name: str
    spokesperson_role: str
    spokesperson_quote: str
    call_to_action: str
    media_contact: MediaContact
    what: str = ""
    why: str = ""
    body: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    embargo: datetime.datetime | None = None
    photo_caption: str | None = None
    interview_available: bool = False
    facts: tuple[CampaignFact, ...] = field(default_factory=_campaign_facts)
    boilerplate: str = field(default_factory=_boilerplate)


@dataclass
class RadioPitch:
    subject: str
    email_body: list[str]
    script: str
    local_angle: str
    interview_available: bool = False


# --- wording ----------------------------------------------------------------------------


def tidy(text: str | None) -> str:
    """Single spaces only, no leading or trailing space."""
    return " ".join((text or "").split())


def long_date(day: datetime.date) -> str:
    """``25 November 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def embargo_line(embargo: datetime.datetime | None) -> str:
    """``FOR IMMEDIATE RELEASE`` or ``EMBARGOED UNTIL 00:01 Tuesday 3 March 2026``."""
    if embargo is None:
        return IMMEDIATE_RELEASE
    return f"EMBARGOED UNTIL {embargo:%H:%M} {_WEEKDAYS[embargo.weekday()]} {long_date(embargo.date())}"


def dateline(town: str, day: datetime.date) -> str:
    """``LEEDS, 25 November 2026 –`` (an en dash; the paragraph follows after a space)."""
    return f"{tidy(town).upper()}, {long_date(day)} –"


def _sentence(text: str) -> str:
    text = tidy(text)
    return text if not text or text[-1] in ".!?…”’\"'" else text + "."


def _subject(who: str) -> str:
    """A description as the subject of a sentence: "Sarah Jones, 47" -> "Sarah Jones, 47,"."""
    who = tidy(who).rstrip(", ")
    return f"{who}," if "," in who else who


def opening_paragraph(release: PressRelease) -> str:
    """Who, where, what and why in one sentence; the dateline gives when."""
    if tidy(release.what):
        who = tidy(release.storyteller_description).rstrip(", ")
        parts = [f"{who}, from {tidy(release.town)}, {tidy(release.what)}"]
        if tidy(release.why):
            parts.append(tidy(release.why))
        return _sentence(" ".join(parts))
    if release.body and tidy(release.body[0]):
        return tidy(release.body[0])
    raise ValueError("A press release needs an opening: give what (and why), or body paragraphs")


def quoted(text: str) -> str:
    """Curly quotation marks round a quote unless it already has them."""
    text = tidy(text)
    if text[:1] in "“\"'‘":
        return text
    return f"“{text}”"


def interview_line(who: str) -> str:
    return f"{_subject(who)} is available for interview. Please contact the media contact below to arrange."


def words_in(text: str) -> int:
    """Words a person would read aloud: figures count, dashes and stray punctuation do not."""
    return len(_WORD.findall(text or ""))


def reading_time_seconds(text: str, wpm: int = WORDS_PER_MINUTE) -> int:
    """Seconds to read ``text`` aloud at ``wpm`` words a minute, to the nearest second."""
    if wpm <= 0:
        raise ValueError("wpm must be positive")
    return round(words_in(text) * 60 / wpm)


def script_timing(text: str, wpm: int = WORDS_PER_MINUTE) -> str:
    words = words_in(text)
    seconds = reading_time_seconds(text, wpm)
    return f"{words} words; about {seconds} seconds read aloud at {wpm} words a minute."


# --- building ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _template() -> DocxDocument:
    """python-docx's default template, prepared once; every document starts as a copy of it."""
    document = Document()
    # British English for spelling and grammar checks in Word and LibreOffice.
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")
    rpr.append(lang)
    properties = document.core_properties
    properties.author = "Storydesk"
    properties.last_modified_by = "Storydesk"
    properties.comments = ""
    return document


def _new_document(title: str) -> DocxDocument:
    # Copying the parsed template is faster than reading python-docx's template file again.
    document = copy.deepcopy(_template())
    document.core_properties.title = tidy(title)
    return document


@lru_cache(maxsize=32)
def _style_id(name: str) -> str:
    """The id of a style in python-docx's default template ("Heading 1" -> "Heading1")."""
    return Document().styles[name].style_id


def _add(document: DocxDocument, style: str = "Normal") -> Paragraph:
    """A new paragraph in ``style``.

    python-docx looks a style name up by scanning every style on each call, which was most
    of the time spent building a document; the id is looked up once and set directly.
    """
    paragraph = document.add_paragraph()
    if style != "Normal":
        paragraph._p.get_or_add_pPr().style = _style_id(style)
    return paragraph


def _paragraph(document: DocxDocument, text: str, style: str = "Normal", bold: bool = False) -> Paragraph:
    paragraph = _add(document, style)
    run = paragraph.add_run(tidy(text))
    if bold:
        run.bold = True
    return paragraph


def _labelled(document: DocxDocument, label: str, text: str) -> Paragraph:
    paragraph = _add(document)
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(tidy(text))
    return paragraph


def _to_bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _require(release: PressRelease) -> None:
    required = {
        "headline": release.headline,
        "standfirst": release.standfirst,
        "town": release.town,
        "storyteller_description": release.storyteller_description,
        "spokesperson_name": release.spokesperson_name,
        "spokesperson_role": release.spokesperson_role,
        "spokesperson_quote": release.spokesperson_quote,
        "call_to_action": release.call_to_action,
        "media_contact.name": release.media_contact.name,
    }
    missing = [name for name, value in required.items() if not tidy(value)]
    if missing:
        raise ValueError(f"A press release needs: {', '.join(missing)}")


def build_press_release(release: PressRelease) -> bytes:
    """The press release as .docx bytes, in the order a UK newsdesk expects."""
    _require(release)
    opening = opening_paragraph(release)
    rest = release.body if tidy(release.what) else release.body[1:]

    document = _new_document(release.headline)
    _paragraph(document, embargo_line(release.embargo), bold=True)
    _paragraph(document, release.headline, style="Title")
    _paragraph(document, release.standfirst, style="Subtitle")

    first = _add(document)
    first.add_run(dateline(release.town, release.date)).bold = True
    first.add_run(" " + opening)
    for text in rest:
        if tidy(text):
            _paragraph(document, text)

    for fact in release.facts:
        bullet = _add(document, "List Bullet")
        bullet.add_run(tidy(fact.text) + " ")
        bullet.add_run(f"Source: {_sentence(fact.source)}").italic = True

    for quote in release.quotes:
        if tidy(quote):
            _paragraph(document, quoted(quote), style="Quote")

    _paragraph(
        document,
        f"{tidy(release.spokesperson_name)}, {tidy(release.spokesperson_role)}, said: "
        f"{quoted(release.spokesperson_quote)}",
    )
    _paragraph(document, release.call_to_action)

    ends = _paragraph(document, ENDS, bold=True)
    ends.alignment = WD_ALIGN_PARAGRAPH.CENTER

    _paragraph(document, NOTES_TO_EDITORS, style="Heading 1")
    _paragraph(document, "Sources", style="Heading 2")
    for source in dict.fromkeys(tidy(f.source) for f in release.facts):
        _paragraph(document, _sentence(source), style="List Number")
    _paragraph(document, "About the campaign", style="Heading 2")
    _paragraph(document, release.boilerplate)
    if release.interview_available:
        _paragraph(document, "Interviews", style="Heading 2")
        _paragraph(document, interview_line(release.storyteller_description))
    _paragraph(document, "Media contact", style="Heading 2")
    contact = release.media_contact
    _paragraph(document, contact.name)
    if tidy(contact.email):
        _labelled(document, "Email", contact.email)
    if tidy(contact.phone):
        _labelled(document, "Phone", contact.phone)
    if release.photo_caption is not None and tidy(release.photo_caption):
        _paragraph(document, "Photo", style="Heading 2")
        _paragraph(document, release.photo_caption, style="Caption")
    return _to_bytes(document)


def build_radio_pitch(pitch: RadioPitch) -> bytes:
    """The radio pitch as .docx bytes: the email, the local angle and the 30-second script."""
    if not tidy(pitch.subject) or not tidy(pitch.script):
        raise ValueError("A radio pitch needs a subject and a script")
    document = _new_document(pitch.subject)
    _paragraph(document, "Radio pitch", style="Title")

    _paragraph(document, "Email", style="Heading 1")
    _labelled(document, "Subject", pitch.subject)
    for text in pitch.email_body:
        if tidy(text):
            _paragraph(document, text)
    if pitch.interview_available:
        _paragraph(document, "The storyteller is available for interview. Reply to this email to arrange a time.")

    _paragraph(document, "Local angle", style="Heading 1")
    _paragraph(document, pitch.local_angle)

    _paragraph(document, "30-second script", style="Heading 1")
    for block in re.split(r"\n\s*\n", pitch.script.strip()):
        if tidy(block):
            _paragraph(document, block)
    _paragraph(document, script_timing(pitch.script), style="Caption")
    return _to_bytes(document)


def bare_docx_save(paragraphs: list[str]) -> bytes:
    """The same text in a plain python-docx document: the benchmark's baseline."""
    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return _to_bytes(document)

