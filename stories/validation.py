"""The rules for what a storyteller gives us, shared by the web form and the importer.

Each check returns the cleaned value or raises ``Invalid`` with a message written
for the person who typed it.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

from email_validator import EmailNotValidError, validate_email

MIN_WORDS = 50
MAX_WORDS = 10_000
MAX_TITLE = 200
MAX_NAME = 100
MAX_TOWN = 100

_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|javascript:", re.IGNORECASE)
_WORD = re.compile(r"\S+")
# A full UK postcode, or an outward code on its own. The letters each position may
# take follow Royal Mail's rules loosely; real-world checking is the post town's job.
_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FULL_POSTCODE = re.compile(rf"^(?P<outward>{_OUTWARD})\s*(?P<inward>[0-9][ABD-HJLNP-UW-Z]{{2}})$")
_OUTWARD_ONLY = re.compile(rf"^(?P<outward>{_OUTWARD})$")
_NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.\-])*$")
_TOWN = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '’.,&()\-])*$")


# Werkzeug leaves bytes that are not UTF-8 percent-encoded in a url-encoded form value.
_UNDECODED = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")


class Invalid(ValueError):
    """Bad input; ``str()`` is the message shown to the person."""


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def clean(value: str | None) -> str:
    """Normalise a text field: NFC, tidy line ends, no control characters, trimmed."""
    if value is None:
        return ""
    if "\ufffd" in value or _UNDECODED.search(value):
        raise Invalid("contains characters we could not read. Please retype it or paste it as plain text")
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in value):
        raise Invalid("contains characters we could not read. Please retype it or paste it as plain text")
    return value.strip()


def no_markup(value: str, what: str) -> str:
    if _MARKUP.search(value):
        raise Invalid(f"{what} cannot contain HTML or code such as <script>. Please write it as plain text")
    return value


def story_text(value: str | None) -> str:
    text = no_markup(_clean_as(value, "Your story"), "Your story")
    if not text:
        raise Invalid("Enter your story")
    words = word_count(text)
    if words < MIN_WORDS:
        raise Invalid(f"Your story must be at least {MIN_WORDS} words. It is {_words(words)} at the moment")
    if words > MAX_WORDS:
        raise Invalid(f"Your story must be {MAX_WORDS:,} words or fewer. It is {_words(words)} at the moment")
    return text


def title(value: str | None) -> str | None:
    text = no_markup(_clean_as(value, "The title"), "The title")
    if len(text) > MAX_TITLE:
        raise Invalid(f"The title must be {MAX_TITLE} characters or fewer")
    return text or None


def first_name(value: str | None) -> str | None:
    text = no_markup(_clean_as(value, "Your first name"), "Your first name")
    if not text:
        return None
    if len(text) > MAX_NAME:
        raise Invalid(f"Your first name must be {MAX_NAME} characters or fewer")
    if not _NAME.match(text):
        raise Invalid("Your first name must only include letters, spaces, hyphens and apostrophes")
    return text


def email(value: str | None) -> str | None:
    text = _clean_as(value, "The email address")
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise Invalid("Enter an email address in the correct format, like name@example.com") from None


def town(value: str | None) -> str:
    text = no_markup(_clean_as(value, "Town or city"), "Town or city")
    if not text:
        raise Invalid("Enter your town or city")
    if len(text) > MAX_TOWN:
        raise Invalid(f"Town or city must be {MAX_TOWN} characters or fewer")
    if not _TOWN.match(text):
        raise Invalid("Town or city must only include letters, spaces, hyphens and apostrophes")
    return text


def postcode_outward(value: str | None) -> str | None:
    """Validate a UK postcode (full, or the outward code alone) and keep only the outward code."""
    text = no_markup(_clean_as(value, "Postcode"), "Postcode").upper()
    if not text:
        return None
    compact = re.sub(r"\s+", " ", text)
    match = _FULL_POSTCODE.match(compact) or _OUTWARD_ONLY.match(compact)
    if compact == "GIR 0AA":
        return "GIR"
    if not match:
        raise Invalid("Enter a real UK postcode, like LS6 1AB, or just the first part, like LS6")
    return match.group("outward")


def diagnosis_year(value: str | int | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        year = int(str(value).strip())
    except ValueError:
        raise Invalid("Year of secondary diagnosis must be a year, like 2021") from None
    if not 1950 <= year <= date.today().year:
        raise Invalid(f"Year of secondary diagnosis must be between 1950 and {date.today().year}")
    return year


def _words(count: int) -> str:
    return f"{count:,} word" if count == 1 else f"{count:,} words"


def _clean_as(value: str | None, what: str) -> str:
    try:
        return clean(value)
    except Invalid as exc:
        raise Invalid(f"{what} {exc}") from None
