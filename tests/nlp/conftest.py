"""Fixtures for the NLP tests: the full tagger is built once per test session."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tagger():
    from moderation.nlp.pipeline import get_tagger

    return get_tagger()


@pytest.fixture(scope="session")
def tag(tagger):
    cache: dict[str, dict] = {}

    def _tag(text: str) -> dict:
        if text not in cache:
            cache[text] = tagger.tag(text)
        return cache[text]

    return _tag
