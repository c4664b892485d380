"""Replace personal data in a story with readable placeholders."""
from __future__ import annotations

from typing import Any

PLACEHOLDERS = {
    "PERSON": "[name]",
    "PHONE": "[phone]",
    "EMAIL": "[email]",
    "NHS_NUMBER": "[NHS number]",
    "STREET_ADDRESS": "[address]",
    "POSTCODE": "[postcode]",
    "DATE_OF_BIRTH": "[date of birth]",
    "HOSPITAL": "[hospital]",
}


def apply_redactions(text: str, findings: list[dict[str, Any]]) -> str:
    """Return ``text`` with each finding's span replaced by its type's placeholder.

    Overlapping or touching spans are merged into one; the merged stretch takes the placeholder
    of the finding that starts first (the longer one on a tie). Unknown types become "[redacted]".
    """
    spans = sorted(
        ((int(f["start"]), int(f["end"]), f["type"]) for f in findings if int(f["end"]) > int(f["start"])),
        key=lambda s: (s[0], -s[1]),
    )
    merged: list[list[Any]] = []
    for start, end, kind in spans:
        start, end = max(0, start), min(len(text), end)
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    out = []
    pos = 0
    for start, end, kind in merged:
        out.append(text[pos:start])
        out.append(PLACEHOLDERS.get(kind, "[redacted]"))
        pos = end
    out.append(text[pos:])
    return "".join(out)
