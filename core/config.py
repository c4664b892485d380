"""Settings from the environment, with embedded defaults.

With nothing set, Storydesk runs on SQLite in ``instance/``, keeps files in
``instance/files/`` and runs background jobs in-process.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number") from exc


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Read every setting from the environment; ``overrides`` win (tests use them)."""
    overrides = dict(overrides or {})
    instance = Path(overrides.get("INSTANCE_PATH") or os.environ.get("STORYDESK_INSTANCE") or PROJECT_ROOT / "instance")
    config: dict[str, Any] = {
        "INSTANCE_PATH": str(instance),
        "DEBUG": _env_bool("FLASK_DEBUG"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "DATABASE_URL": os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'storydesk.db'}",
        # Tests give each run its own PostgreSQL schema.
        "DATABASE_SCHEMA": os.environ.get("DATABASE_SCHEMA") or None,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "S3_REGION": os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "eu-west-2",
        "FILES_DIR": os.environ.get("FILES_DIR") or str(instance / "files"),
        "DOWNLOAD_URL_SECONDS": _env_int("DOWNLOAD_URL_SECONDS", 300),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "Storydesk <stories@localhost>",
        "PUBLIC_URL": os.environ.get("PUBLIC_URL") or None,
        "SUBMISSION_RATE_LIMIT": os.environ.get("SUBMISSION_RATE_LIMIT") or "10 per hour",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or None,
        "HELPLINE_NAME": os.environ.get("HELPLINE_NAME") or "our Helpline",
        "HELPLINE_PHONE": os.environ.get("HELPLINE_PHONE") or "0808 800 6000",
        "CHARITY_NAME": os.environ.get("CHARITY_NAME") or "the charity",
        # Shown to a moderator when the tagger flags a safeguarding concern.
        "SAFEGUARDING_GUIDANCE": os.environ.get("SAFEGUARDING_GUIDANCE") or (
            "Read the whole story now, before anything else in the queue.\n"
            "If the storyteller gave contact details and agreed to contact, follow the charity's safeguarding "
            "procedure today: phone the safeguarding lead, and do not reply by email alone.\n"
            "If you believe someone is in immediate danger, call 999.\n"
            "Signpost the storyteller to Samaritans (116 123, free, any time) and to the charity's Helpline.\n"
            "Record what you did as an internal note on this story."
        ),
        "STAFF_IDLE_MINUTES": _env_int("STAFF_IDLE_MINUTES", 30),
        # What every press release says about the charity.
        "SPOKESPERSON_NAME": os.environ.get("SPOKESPERSON_NAME") or "The charity's spokesperson",
        "SPOKESPERSON_ROLE": os.environ.get("SPOKESPERSON_ROLE") or "Director of Campaigns",
        "SPOKESPERSON_QUOTE": os.environ.get("SPOKESPERSON_QUOTE") or (
            "Every day, 31 people in the UK die of secondary breast cancer. Everyone living with it deserves a "
            "specialist nurse and care that is as good as for primary breast cancer. We are grateful to everyone "
            "who shares their story to help make that happen."
        ),
        "CALL_TO_ACTION": os.environ.get("CALL_TO_ACTION") or (
            "Anyone who has had breast cancer should know the signs that it may have spread, and contact their "
            "GP or breast care team if they notice anything new. The charity's Helpline is free and confidential."
        ),
        "MEDIA_CONTACT_NAME": os.environ.get("MEDIA_CONTACT_NAME") or "Press office",
        "MEDIA_CONTACT_EMAIL": os.environ.get("MEDIA_CONTACT_EMAIL") or "press@example.org",
        "MEDIA_CONTACT_PHONE": os.environ.get("MEDIA_CONTACT_PHONE") or "",
        # Werkzeug's own limits: a whole request, and the text fields in it. Both sit above
        # what the form accepts so that an over-long story or photo gets a message in the
        # page, with what was typed kept, rather than a bare 413.
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 64 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _env_int("MAX_FORM_MEMORY_SIZE", 8 * 1024 * 1024),
        "TESTING": False,
        "JOBS_INLINE": None,  # None: inline unless REDIS_URL is set
    }
    config.update(overrides)
    if config["JOBS_INLINE"] is None:
        config["JOBS_INLINE"] = not config["REDIS_URL"]
    if not config["RATELIMIT_STORAGE_URI"]:
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    config["SECRET_KEY"] = config["SECRET_KEY"] or _development_secret(config)
    return config


def _development_secret(config: dict[str, Any]) -> str:
    """In debug or tests a key is made once and kept in the instance folder; in production it must be given."""
    if not (config["DEBUG"] or config["TESTING"]):
        raise ConfigError(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value in production "
            "(or FLASK_DEBUG=1 for local development)."
        )
    path = Path(config["INSTANCE_PATH"]) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key
