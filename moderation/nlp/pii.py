"""Personal data: Presidio's recognizers run on our spaCy doc, plus a few of our own.

Presidio ships what it can (email, NHS number with its checksum, UK postcodes, phone numbers
through libphonenumber, PERSON from the spaCy model); we add what it lacks (outward codes on
their own, dates of birth, and the hospital / street / person spans that our spaCy rules put in
``doc.spans["storydesk_pii"]``), then resolve overlaps and drop people who are not personal data.

tldextract (used by the email recognizer) fetches the public-suffix list on first use unless
told not to; we never let it: see ``_OFFLINE_TLD``.
"""
from __future__ import annotations

import os
import re
from typing import Any

# Must happen before tldextract is first imported anywhere (presidio imports it).
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""

import tldextract  # noqa: E402
from presidio_analyzer import (  # noqa: E402
    AnalyzerEngine,
    LocalRecognizer,
    Pattern,
    PatternRecognizer,
    RecognizerRegistry,
    RecognizerResult,
)
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer  # noqa: E402
from presidio_analyzer.nlp_engine import NlpArtifacts  # noqa: E402
from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    EmailRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UkPostcodeRecognizer,
)

from .components import PII_SPANS_KEY  # noqa: E402
from .resources import load_data, postcode_areas, uk_towns  # noqa: E402

PII_TYPES = ("PERSON", "PHONE", "EMAIL", "NHS_NUMBER", "STREET_ADDRESS", "POSTCODE", "DATE_OF_BIRTH", "HOSPITAL")

# Presidio's entity names -> ours.
_PRESIDIO_TO_OURS = {
    "PERSON": "PERSON", "PHONE_NUMBER": "PHONE", "EMAIL_ADDRESS": "EMAIL", "UK_NHS": "NHS_NUMBER",
    "UK_POSTCODE": "POSTCODE", "STREET_ADDRESS": "STREET_ADDRESS", "DATE_OF_BIRTH": "DATE_OF_BIRTH",
    "HOSPITAL": "HOSPITAL",
}

# When two findings of different types overlap, the earlier type in this list wins: an NHS
# number is not also a phone, a date inside a phone number is not a date of birth, a hospital
# named after someone is a hospital.
PRIORITY = ("EMAIL", "NHS_NUMBER", "PHONE", "DATE_OF_BIRTH", "POSTCODE", "STREET_ADDRESS", "HOSPITAL", "PERSON")

_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's email recognizer, validating the domain against tldextract's bundled snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return bool(_OFFLINE_TLD(pattern_text).fqdn)


class PossiblePhoneRecognizer(PhoneRecognizer):
    """UK numbers that libphonenumber calls *possible*: Ofcom's drama ranges and typos are still
    someone's number as far as redaction goes."""

    SCORE = 0.6
    EXTENSION = re.compile(r"\s*(?:ext\.?|extn\.?|extension|x)\s*\d{1,5}\s*$", re.IGNORECASE)

    def __init__(self) -> None:
        super().__init__(supported_regions=("GB",), leniency=0,
                         context=["phone", "number", "ring", "call", "mobile", "text", "tel", "landline", "on"])

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        # At leniency 0 libphonenumber also offers years and short codes ("2013"); a UK number
        # has ten or eleven digits after its 0 (or +44), so keep only those.
        kept = []
        for r in super().analyze(text, entities, nlp_artifacts):
            ext = self.EXTENSION.search(text, r.start, r.end)
            if ext is not None:
                r.end = ext.start()  # "0161 496 0000 ext 2": the number is the part before "ext"
            digits = re.sub(r"\D", "", text[r.start:r.end])
            candidate = text[r.start:r.end].lstrip()
            if candidate.startswith("+") or candidate.startswith("(+"):
                ok = digits.startswith("44") and 11 <= len(digits) <= 13
            else:
                ok = digits.startswith("0") and 10 <= len(digits) <= 11
            if ok:
                kept.append(r)
        return kept


class OutwardCodeRecognizer(LocalRecognizer):
    """A postcode's outward part written on its own ("Leeds (LS6)", "Morag, DD4").

    Short letter-digit codes are common ("B12", "CDK4"), so one counts only where a postcode
    would stand: in brackets, after a comma at the end of a line, next to a town, or after the
    word postcode."""

    REGEX = re.compile(r"(?<![\w/-])([A-Z]{1,2})([0-9][0-9A-Z]?)(?![\w/-])")

    def __init__(self, cfg: dict[str, Any]):
        self.not_after = {w.lower() for w in cfg["outward_code_not_after"]}
        self.context_words = [w.lower() for w in cfg["outward_code_context"]]
        super().__init__(supported_entities=["UK_POSTCODE"], name="OutwardCodeRecognizer",
                         context=["postcode", "post code"])

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        areas = postcode_areas()
        towns = uk_towns()
        out = []
        for m in self.REGEX.finditer(text):
            if m.group(1) not in areas:
                continue
            before = text[max(0, m.start() - 40):m.start()]
            after = text[m.end():m.end() + 6]
            prev_word = (re.findall(r"[A-Za-z]+", before) or [""])[-1].lower()
            if prev_word in self.not_after:
                continue
            if re.match(r"\s*[0-9][A-Z]{2}\b", after):
                continue  # the start of a full postcode: the full-postcode recognizer has it
            bracketed = before.endswith("(") and after.startswith(")")
            line_end = re.match(r"\s*(?:$|\n|[.!)]\s*(?:$|\n))", after) is not None
            after_comma = before.rstrip().endswith(",")
            prev_cap = re.search(r"([A-Z][a-z'\-]+)[\s,(]*$", before)
            near_town = bool(prev_cap and prev_cap.group(1) in towns)
            context = any(w in before.lower() for w in ("postcode", "post code"))
            if bracketed or context or near_town or (after_comma and line_end and prev_cap):
                out.append(RecognizerResult("UK_POSTCODE", m.start(), m.end(), 0.7))
        return out


class DateOfBirthRecognizer(PatternRecognizer):
    """A date that the text gives as someone's date of birth ("born on 3 March 1961", "DOB 07.09.1968")."""

    MONTHS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
              r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?")

    def __init__(self, cfg: dict[str, Any]):
        patterns = [
            Pattern("numeric date", r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)?\d{2}\b", 0.1),
            Pattern("day month year", rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+{self.MONTHS},?\s+(?:19|20)\d{{2}}\b", 0.1),
            Pattern("month day year", rf"\b{self.MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}\b", 0.1),
        ]
        self.cues = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cfg["dob_context"]) + r")\b", re.IGNORECASE)
        super().__init__(supported_entity="DATE_OF_BIRTH", patterns=patterns, context=cfg["dob_context"],
                         name="DateOfBirthRecognizer")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        kept = []
        for r in results:
            lead = text[max(0, r.start - 40):r.start]
            if self.cues.search(lead):
                r.score = 0.85
                kept.append(r)
        return kept


class DocSpansRecognizer(LocalRecognizer):
    """Hands Presidio the spans our spaCy rules found (hospitals, streets, titled and introduced people)."""

    NAME = "StorydeskRulesRecognizer"

    def __init__(self) -> None:
        super().__init__(supported_entities=["HOSPITAL", "STREET_ADDRESS", "PERSON"], name=self.NAME)

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        if doc is None or PII_SPANS_KEY not in doc.spans:
            return []
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}
        return [RecognizerResult(span.label_, span.start_char, span.end_char, 0.9, recognition_metadata=dict(meta))
                for span in doc.spans[PII_SPANS_KEY] if span.label_ in entities]


def build_analyzer(nlp_engine: Any) -> AnalyzerEngine:
    """An AnalyzerEngine with only the recognizers we use, on the given (already loaded) engine."""
    cfg = load_data("pii.json")
    registry = RecognizerRegistry(supported_languages=["en"])
    postcode_patterns = [Pattern("UK postcode", p.regex, 0.6) for p in UkPostcodeRecognizer.PATTERNS]
    for recognizer in (
        SpacyRecognizer(supported_entities=["PERSON"]),
        OfflineEmailRecognizer(),
        NhsRecognizer(),
        PossiblePhoneRecognizer(),
        UkPostcodeRecognizer(patterns=postcode_patterns),
        OutwardCodeRecognizer(cfg),
        DateOfBirthRecognizer(cfg),
        DocSpansRecognizer(),
    ):
        registry.add_recognizer(recognizer)
    # Our recognizers judge their own context (dates of birth, outward codes); Presidio's lemma
    # enhancer would only re-score them and costs a pass over the tokens per finding.
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"],
                          context_aware_enhancer=_NoContextEnhancer())


class _NoContextEnhancer(ContextAwareEnhancer):
    def __init__(self) -> None:
        super().__init__(context_similarity_factor=0, min_score_with_context_similarity=0,
                         context_prefix_count=0, context_suffix_count=0)

    def enhance_using_context(self, text, raw_results, nlp_artifacts, recognizers, context=None):  # noqa: D102
        return raw_results


PRESIDIO_ENTITIES = list(_PRESIDIO_TO_OURS)


class PersonFilter:
    """Drops model PERSONs that are not personal data and finds the other mentions of real names."""

    def __init__(self) -> None:
        cfg = load_data("pii.json")
        self.not_person = set(cfg["not_person"]) | set(cfg["public_figures"])
        self.titles = {t.rstrip(".") for t in cfg["titles"]}
        phrases = sorted((p for p in self.not_person if " " in p), key=len, reverse=True)
        self.blocking_re = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")

    def keep(self, text: str, start: int, end: int, blocked: list[tuple[int, int]]) -> bool:
        name = text[start:end]
        if name in self.not_person or (len(name.split()) == 1 and name in self.not_person):
            return False
        if re.search(r"[\d@/_]|https?:", name) or not re.search(r"[A-Z]", name):
            return False
        towns = uk_towns()
        if name in towns or all(w in towns for w in name.split()):
            return False
        if name.isupper() and len(name) > 3:
            return False
        return not _inside(start, end, blocked)

    def blocked_regions(self, text: str) -> list[tuple[int, int]]:
        """Where the text names a public figure, a charity, a song...: no PERSON inside."""
        return [(m.start(), m.end()) for m in self.blocking_re.finditer(text)]

    def propagate(self, text: str, people: list[tuple[int, int]], blocked: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Other capitalised mentions of a name already found ("Catrin Lloyd" ... "Catrin")."""
        names: set[str] = set()
        for s, e in people:
            for word in text[s:e].split():
                word = word.strip(",.'’")
                if word and word[0].isupper() and word not in self.titles and len(word) > 1 \
                        and word not in self.not_person:
                    names.add(word)
        if not names:
            return []
        found = []
        pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
        for m in pattern.finditer(text):
            before = text[max(0, m.start() - 5):m.start()].lower()
            if re.search(r"\b(?:the|a|an)\s+$", before) or _inside(m.start(), m.end(), blocked):
                continue
            found.append((m.start(), m.end()))
        return found


def _inside(start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in regions)


def to_findings(text: str, results: list[RecognizerResult], person_filter: PersonFilter) -> list[dict[str, Any]]:
    """Presidio results -> our findings: mapped types, bad PERSONs dropped, overlaps resolved."""
    raw: list[dict[str, Any]] = []
    blocked = person_filter.blocked_regions(text)
    for r in results:
        kind = _PRESIDIO_TO_OURS.get(r.entity_type)
        if kind is None:
            continue
        start, end = r.start, r.end
        by_rules = (r.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY) == DocSpansRecognizer.NAME
        if kind == "PERSON" and not by_rules and not person_filter.keep(text, start, end, blocked):
            continue
        raw.append({"type": kind, "start": start, "end": end, "score": round(float(r.score), 3)})
    people = [(f["start"], f["end"]) for f in raw if f["type"] == "PERSON"]
    for start, end in person_filter.propagate(text, people, blocked):
        raw.append({"type": "PERSON", "start": start, "end": end, "score": 0.6})
    return resolve_overlaps(text, raw)


def resolve_overlaps(text: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep one type per stretch of text (by PRIORITY); merge overlapping findings of one type."""
    rank = {t: i for i, t in enumerate(PRIORITY)}
    ordered = sorted(findings, key=lambda f: (rank[f["type"]], -(f["end"] - f["start"]), -f["score"]))
    accepted: list[dict[str, Any]] = []
    for f in ordered:
        clash = False
        for a in accepted:
            if f["start"] < a["end"] and a["start"] < f["end"]:
                if a["type"] == f["type"]:
                    a["start"], a["end"] = min(a["start"], f["start"]), max(a["end"], f["end"])
                    a["score"] = max(a["score"], f["score"])
                clash = True
                break
        if not clash:
            accepted.append(dict(f))
    accepted.sort(key=lambda f: f["start"])
    for f in accepted:
        f["text"] = text[f["start"]:f["end"]]
    return [{"type": f["type"], "text": f["text"], "start": f["start"], "end": f["end"], "score": f["score"]}
            for f in accepted]
