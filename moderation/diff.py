"""Side-by-side, word-level differences between two versions of a story."""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Piece:
    text: str
    change: str  # "same", "removed" (left only), "added" (right only)


def side_by_side(old: str, new: str) -> tuple[list[Piece], list[Piece]]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    left: list[Piece] = []
    right: list[Piece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(Piece("".join(a[i1:i2]), "same"))
            right.append(Piece("".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left.append(Piece("".join(a[i1:i2]), "removed"))
        if j2 > j1:
            right.append(Piece("".join(b[j1:j2]), "added"))
    return left, right
