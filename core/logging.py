"""Log set-up with a filter that keeps personal text out of every line.

Code never logs story text, names or contact details; the filter is the second
line of defence for what arrives from libraries (request lines, tracebacks).
"""
from __future__ import annotations

import logging
import re

_SCRUBS = [
    # A private link is a credential: the request log must not keep it.
    (re.compile(r"/my-story/[A-Za-z0-9_\-]+"), "/my-story/[token]"),
    (re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"), "[email]"),
    (re.compile(r"(?<!\d)(?:\+?44\s?|0)(?:\d[\s\-()]?){9,10}(?!\d)"), "[phone]"),
]


def scrub(text: str) -> str:
    for pattern, replacement in _SCRUBS:
        text = pattern.sub(replacement, text)
    return text


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        cleaned = scrub(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, ()
        if record.exc_info:
            # Tracebacks can quote values; keep the exception type only.
            exc_type = record.exc_info[0]
            record.msg = f"{record.msg} [{exc_type.__name__ if exc_type else 'error'}]"
            record.exc_info = None
            record.exc_text = None
        return True


_configured = False


def configure_logging(level: int = logging.INFO) -> None:
    global _configured
    root = logging.getLogger()
    if not _configured:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(PersonalDataFilter())
        root.addHandler(handler)
        root.setLevel(level)
        _configured = True
    # Presidio announces every recognizer it loads; that is noise on a command's stderr.
    logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    for name in ("werkzeug", "rq.worker", "storydesk"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, PersonalDataFilter) for f in logger.filters):
            logger.addFilter(PersonalDataFilter())
