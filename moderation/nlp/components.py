"""Storydesk's spaCy components, registered the spaCy way and driven by data files.

Each component reads its rules from ``moderation/nlp/data/<file>.json`` (named in its config)
and writes its findings on the Doc:

- ``storydesk_pii_rules``  -> ``doc.spans["storydesk_pii"]`` (HOSPITAL, PERSON, STREET_ADDRESS
  found by rules; Presidio's recognizers pick them up from there)
- ``storydesk_places``     -> ``doc._.places``, ``doc._.location``
- ``storydesk_sites``      -> ``doc._.sites``
- ``storydesk_themes``     -> ``doc._.themes``
- ``storydesk_flags``      -> ``doc._.flags``, ``doc._.flag_evidence``
- ``storydesk_quotes``     -> ``doc._.quote_candidates``

They work on a blank ``spacy.blank("en")`` pipeline too (with a ``sentencizer`` for sentences);
the statistical model only sharpens them (entities, part-of-speech).
"""
from __future__ import annotations

import bisect
import math
import re
from typing import Any, Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .resources import load_data, uk_towns

PII_SPANS_KEY = "storydesk_pii"

for _name, _default in (
    ("themes", None), ("sites", None), ("places", None), ("location", None),
    ("flags", None), ("flag_evidence", None), ("quote_candidates", None),
):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)

# A run of capitalised name words: "Royal Northfield", "St Luke's", "Mill".
_NAME_WORD = r"[A-Z][A-Za-z'’\-]*"


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def has_sents(doc: Doc) -> bool:
    """Cheap stand-in for doc.has_annotation("SENT_START"), which walks every token."""
    return len(doc) > 1 and doc[1].is_sent_start is not None or (len(doc) == 1 and doc[0].is_sent_start)


def has_ents(doc: Doc) -> bool:
    return len(doc) > 0 and doc[0].ent_iob != 0


def has_tags(doc: Doc) -> bool:
    return len(doc) > 0 and doc[0].tag != 0


def _sentences(doc: Doc) -> list[Span]:
    if has_sents(doc):
        return list(doc.sents)
    return [doc[:]]


def _clause_before(text: str, start: int, max_words: int) -> list[str]:
    """The words just before ``start`` in the same clause, lower-cased."""
    head = text[:start]
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(":"), head.rfind("—"), head.rfind(" but "),
              head.rfind("\n"))
    if cut >= 0:
        head = head[cut + 1:]
    return re.findall(r"[a-z']+", head.lower().replace("’", "'"))[-max_words:]


_SIGNOFF_TAIL = re.compile(
    r"(?:^|[.!?\n]\s*)(?:[-–—~]\s*)?(?P<name>[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)?)\s*,\s*(?:\d{1,3}\s*,\s*)?"
    r"(?:from\s+)?(?P<town>[A-Z][A-Za-z'’\-]+(?:[ \-][A-Za-z'’\-]+){0,2}?)"
    r"(?:,?\s+[A-Z]{1,2}[0-9][0-9A-Z]?(?:\s*[0-9][A-Z]{2})?)?\s*[.!]?\s*$")


def signoff_tail(text: str) -> tuple[int, int, int, int] | None:
    """A closing "Name, Town" ("Isla, Nairn", "- Jan Hill, 61, Leeds LS6"), even on the story's
    last line: (name start, name end, town start, town end) when the town is a known UK town."""
    tail_at = max(0, len(text) - 120)
    m = _SIGNOFF_TAIL.search(text, tail_at)
    if m is None or m.group("town") not in uk_towns():
        return None
    return m.start("name"), m.end("name"), m.start("town"), m.end("town")


# --------------------------------------------------------------------------------------
# Personal data found by rules
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_pii_rules", default_config={"data_file": "pii.json"})
def make_pii_rules(nlp: Language, name: str, data_file: str) -> "PiiRules":
    return PiiRules(load_data(data_file), nlp)


class PiiRules:
    """Hospital names, street addresses and people named by title, kinship or introduction."""

    GENERIC_FACILITY_WORDS = {
        "General", "University", "Royal", "District", "Community", "County", "City", "Children's",
        "Women's", "Cancer", "Day", "Private", "Local", "Main", "Teaching", "Regional", "Specialist",
        "Breast", "NHS", "Trust", "Memorial", "Hospital", "Hospitals", "Centre", "Unit",
    }

    def __init__(self, cfg: dict[str, Any], nlp: Language | None = None):
        self.cfg = cfg
        # Hospitals known by name alone ("Ninewells", "the Christie"): one PhraseMatcher pass.
        self.known = None
        if nlp is not None:
            self.known = PhraseMatcher(nlp.vocab, attr="ORTH")
            self.known.add("ANY", list(nlp.tokenizer.pipe(cfg.get("known_hospitals", []))))
            self.known.add("AFTER_THE", list(nlp.tokenizer.pipe(cfg.get("known_hospitals_after_the", []))))
        # Welsh hospitals put the facility word first: "Ysbyty Gwynedd", "Ysbyty Glan Clwyd".
        self.ysbyty_re = re.compile(r"\bYsbyty(?:\s+(?:y|yr|[A-Z][A-Za-z'’\-]+)){1,3}")
        prefixes = _alternation(cfg.get("street_prefixes", []))
        self.street_prefix_re = re.compile(
            rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:{prefixes})(?:\s+(?:y|yr|[A-Z][\w'’\-]+)){{1,3}}"
        ) if prefixes else None
        facilities = _alternation(cfg["facility_words"])
        self.facility_needs_name = set(cfg.get("facility_needs_name", []))
        self.hospital_re = re.compile(
            rf"\b(?:(?:St\.?|Saint)\s+)?(?:{_NAME_WORD}\.?\s+(?:(?:of|upon|on|the|and|de|y)\s+)?){{1,5}}"
            rf"(?:{facilities})\b"
        )
        self.leading_stop = set(cfg["facility_leading_stopwords"])
        suffixes = _alternation(cfg["street_suffixes"])
        dwellings = _alternation(cfg["dwelling_prefixes"])
        self.street_re = re.compile(
            rf"(?:\b(?:{dwellings})\s+\d+[A-Za-z]?,?\s+)?\b\d{{1,4}}[A-Za-z]?,?\s+"
            rf"(?:[A-Z][a-z'’\-]+\s+){{1,3}}(?:{suffixes})\b"
        )
        titles = _alternation(cfg["titles"])
        self.title_re = re.compile(
            rf"\b(?:{titles})\s+(?P<name>[A-Z][a-zA-Z'’\-]+(?:\s+(?:Mc|Mac|O'|O’|De|Van|Le)?[A-Z][a-zA-Z'’\-]+)?)"
        )
        kin = _alternation(cfg["kin_words"])
        mods = _alternation(cfg["kin_modifiers"])
        self.kin_re = re.compile(
            rf"\b(?i:my|our|her|his|your|their|me|a)\s+(?:(?i:{mods})\s+){{0,2}}(?i:{kin})(?i:s)?,?\s+(?:(?:is|was)\s+)?"
            rf"(?P<name>[A-Z][a-z'’\-]+(?:\s+(?:Mc|Mac|O'|O’)?[A-Z][a-zA-Z'’\-]+)?)"
        )
        self.intro_re = re.compile(
            r"\b(?i:my name is|my name's|i'm|i am|this is|called|named|known as)\s+"
            r"(?P<name>[A-Z][a-z'’\-]+(?:\s+(?:Mc|Mac|O'|O’)?[A-Z][a-zA-Z'’\-]+)?)"
        )
        self.signoff_re = re.compile(
            r"^\s*(?:[-–—~]\s*)?(?:(?i:love|thanks|regards|best wishes|from),?\s+)?"
            r"(?P<name>[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)?)\s*(?:,|$)"
        )
        # "Sue here, 58, from ..." at the start of a sentence.
        self.here_re = re.compile(r"(?:^|(?<=[.!?\n])\s*)(?P<name>[A-Z][a-z'’\-]+(?:\s+[A-Z][a-z'’\-]+)?)\s+here\b\s*[,.!:-]")
        self.not_person = set(cfg["not_person"]) | set(cfg["public_figures"])
        self.title_words = {t.rstrip(".") for t in cfg["titles"]}

    # Words that can follow "I'm"/"called" and are not names.
    _NOT_NAME = {
        "I", "The", "A", "An", "It", "He", "She", "We", "They", "You", "My", "Our", "This", "That",
        "So", "And", "But", "Not", "Still", "Just", "Now", "Here", "There", "Stage", "Secondary",
        "Primary", "English", "Scottish", "Welsh", "Irish", "British", "Northern", "Black", "White",
        "Asian", "Catholic", "Christian", "Muslim", "Jewish", "Sikh", "Hindu", "Happy", "Sorry",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January",
        "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December", "Christmas", "Easter", "Mum", "Mam", "Dad", "Nan", "Gran", "Mummy",
        "Daddy", "Mother", "Father", "Sister", "Brother", "Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss",
        "Nurse", "Please", "Thank", "Thanks", "Love", "Hi", "Hello", "Dear", "Yes", "No", "Ok", "OK",
        "Breast", "Cancer", "Chemo", "Radiotherapy", "Mets", "Living", "Writing", "Also", "Hospital",
    }

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        found: list[tuple[int, int, str]] = []
        found += self._hospitals(text)
        found += [(m.start(), m.end(), "STREET_ADDRESS") for m in self.street_re.finditer(text)]
        if self.street_prefix_re is not None:
            found += [(m.start(), m.end(), "STREET_ADDRESS") for m in self.street_prefix_re.finditer(text)]
        found += self._known_hospitals(doc)
        found += self._people(doc, text)
        spans = []
        for start, end, label in found:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None:
                spans.append(span)
        doc.spans[PII_SPANS_KEY] = spans
        return doc

    def _known_hospitals(self, doc: Doc) -> list[tuple[int, int, str]]:
        if self.known is None:
            return []
        out = []
        after_the = doc.vocab.strings["AFTER_THE"]
        for match_id, start, end in self.known(doc):
            if match_id == after_the and (start == 0 or doc[start - 1].lower_ != "the"):
                continue
            if end < len(doc) and doc[end].text[:1].isupper() and doc[end].is_alpha:
                continue  # part of a longer name ("Freeman Road"); the facility rule has the rest
            out.append((doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), "HOSPITAL"))
        return out

    def _hospitals(self, text: str) -> list[tuple[int, int, str]]:
        out = [(m.start(), m.end(), "HOSPITAL") for m in self.ysbyty_re.finditer(text)]
        for m in self.hospital_re.finditer(text):
            start, end = m.start(), m.end()
            words = list(re.finditer(r"\S+", m.group(0)))
            # Drop sentence-initial and function words that the capitalised run swept up.
            while words and words[0].group(0).strip(",.") in self.leading_stop:
                words.pop(0)
            if not words:
                continue
            start = m.start() + words[0].start()
            name_words = [w.group(0) for w in words[:-1]]
            meaningful = [w for w in name_words if w.strip(".,") not in self.GENERIC_FACILITY_WORDS
                          and w.lower() not in {"of", "upon", "on", "the", "and", "de", "y"}]
            last = words[-1].group(0)
            if not meaningful:
                continue
            if any(last.endswith(f) for f in self.facility_needs_name) and len(meaningful) < 1:
                continue
            out.append((start, end, "HOSPITAL"))
        return out

    def _ok_name(self, name: str, town_ok: bool = False) -> bool:
        first = name.split()[0]
        if first in self._NOT_NAME or first in self.title_words or name in self.not_person or first in self.not_person:
            return False
        # After "my partner" a town name is a person's name (Lewis, Ely); on a sign-off line it is a town.
        return town_ok or (name not in uk_towns() and first not in uk_towns())

    def _people(self, doc: Doc, text: str) -> list[tuple[int, int, str]]:
        out = []
        for m in self.title_re.finditer(text):
            name = m.group("name")
            if name.split()[0] in self._NOT_NAME or m.group(0) in self.not_person or name in self.not_person:
                continue
            out.append((m.start(), m.end(), "PERSON"))
        for regex in (self.kin_re, self.intro_re):
            for m in regex.finditer(text):
                if regex is self.intro_re and self._thing_named(text, m.start()):
                    continue
                # After "my name is" a second capitalised word is a surname even when it is also a
                # town ("Featherstone", "Ripley"); after a kinship word it may be where they live.
                name = self._trim_name(m.group("name"), towns=regex is not self.intro_re)
                if self._ok_name(name, town_ok=True) and self._looks_proper(doc, m.start("name"), m.start("name") + len(name)):
                    out.append((m.start("name"), m.start("name") + len(name), "PERSON"))
        for m in self.here_re.finditer(text):
            name = self._trim_name(m.group("name"))
            if self._ok_name(name):
                out.append((m.start("name"), m.start("name") + len(name), "PERSON"))
        sign = signoff_tail(text)
        if sign is not None and self._ok_name(text[sign[0]:sign[1]], town_ok=True):
            out.append((sign[0], sign[1], "PERSON"))
        lines = text.rstrip().split("\n")
        tail = lines[-2:] if len(lines) > 1 else []
        pos = len(text.rstrip()) - sum(len(line) + 1 for line in tail) + 1
        for line in tail:
            m = self.signoff_re.match(line)
            if m and len(line.split()) <= 8 and self._ok_name(m.group("name")):
                start = pos + m.start("name")
                out.append((start, start + len(m.group("name")), "PERSON"))
            pos += len(line) + 1
        return out

    _THINGS = re.compile(
        r"\b(?:village|town|city|place|street|road|pub|bar|cafe|café|shop|house|hospital|hospice|ward|unit|"
        r"group|charity|book|song|film|programme|show|app|drug|tablet|dog|cat|horse|boat|company|school|"
        r"trial|website|site|page|podcast|blog|club|team|church|farm|estate|area)\s*,?\s*$", re.IGNORECASE)

    def _thing_named(self, text: str, cue_start: int) -> bool:
        """"a village called Warnham", "a group called Second Steps": a name, but not a person's."""
        return bool(self._THINGS.search(text[max(0, cue_start - 30):cue_start]))

    def _trim_name(self, name: str, towns: bool = True) -> str:
        parts = name.split()
        if len(parts) == 2 and (parts[1] in self._NOT_NAME or (towns and parts[1] in uk_towns())
                                or parts[1] in self.not_person):
            return parts[0]
        return name

    @staticmethod
    def _looks_proper(doc: Doc, start: int, end: int) -> bool:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return False
        if not has_tags(doc):
            return True
        return any(t.pos_ == "PROPN" for t in span) or any(e.label_ == "PERSON" for e in span.ents)


# --------------------------------------------------------------------------------------
# Places and the storyteller's home town
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_places", default_config={"data_file": "places.json"})
def make_places(nlp: Language, name: str, data_file: str) -> "Places":
    return Places(nlp, load_data(data_file))


class Places:
    """UK towns named in the text (GeoNames' GB towns) and the one the storyteller lives in."""

    PLACE_LABELS = {"GPE", "LOC", "FAC", "ORG", "PERSON", "NORP"}

    def __init__(self, nlp: Language, cfg: dict[str, Any]):
        self.cfg = cfg
        self.towns = uk_towns()
        self.matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        names = list(self.towns)
        self.matcher.add("UK_TOWN", list(nlp.tokenizer.pipe(names)))
        self.ambiguous = set(cfg["ambiguous"])
        self.locatives = set(cfg["locative_words"])
        flags = re.IGNORECASE
        self.home_before = [re.compile(p, flags) for p in cfg["home_cues_before"]]
        self.home_after = [re.compile(p) for p in cfg["home_cues_after"]]
        self.treat_before = [re.compile(p, flags) for p in cfg["treatment_cues_before"]]
        self.treat_after = [re.compile(p, flags) for p in cfg["treatment_cues_after"]]

    def __call__(self, doc: Doc) -> Doc:
        spans = [doc[s:e] for _, s, e in self.matcher(doc)]
        # Keep the longest match where matches overlap ("Stoke-on-Trent" over "Stoke").
        spans.sort(key=lambda sp: (sp.start, -(sp.end - sp.start)))
        kept: list[Span] = []
        for span in spans:
            if kept and span.start < kept[-1].end:
                continue
            if self._is_place(doc, span):
                kept.append(span)
        doc._.places = [{"text": s.text, "start": s.start_char, "end": s.end_char} for s in kept]
        doc._.location = self._home(doc, kept)
        return doc

    def _is_place(self, doc: Doc, span: Span) -> bool:
        prev = doc[span.start - 1].lower_ if span.start > 0 else ""
        if prev in {"the", "a", "an"} and span.text not in {"Wirral", "Hague"}:
            return False
        if span.end < len(doc) and doc[span.end].text in {"Hospital", "Hospice", "Infirmary", "Clinic", "Road",
                                                          "Street", "Lane", "Avenue", "General", "Royal"}:
            return False
        ent_place = any(t.ent_type_ in self.PLACE_LABELS for t in span) and not any(
            t.ent_type_ == "PERSON" for t in span)
        locative = prev in self.locatives or (span.start > 0 and doc[span.start - 1].text in {",", "("})
        if span.text in self.ambiguous:
            return (any(t.ent_type_ in {"GPE", "LOC"} for t in span) and locative) or (
                locative and prev not in {"at", "of", "to"} and not has_ents(doc))
        if len(span) > 1 or "-" in span.text:
            return True
        if has_ents(doc):
            return ent_place or locative or self._line_start_or_end(doc, span)
        return True

    @staticmethod
    def _line_start_or_end(doc: Doc, span: Span) -> bool:
        prev = doc[span.start - 1] if span.start > 0 else None
        nxt = doc[span.end] if span.end < len(doc) else None
        return (prev is None or "\n" in prev.text or "\n" in prev.whitespace_
                or nxt is None or "\n" in nxt.text or "\n" in span[-1].whitespace_)

    def _home(self, doc: Doc, places: list[Span]) -> str | None:
        if not places:
            return None
        text = doc.text
        stripped = text.rstrip()
        # The last line of a story with several lines may be a sign-off: "Trevor, Ballymena".
        signoff_start = stripped.rfind("\n") + 1 if "\n" in stripped else len(stripped) + 1
        scores: dict[str, float] = {}
        surface: dict[str, str] = {}
        sign = signoff_tail(text)
        for span in places:
            key = self.towns[span.text].name if span.text in self.towns else span.text
            surface.setdefault(key, span.text)
            sent_start = span.sent.start_char if has_sents(doc) else 0
            before = text[max(sent_start, span.start_char - 80):span.start_char]
            after = text[span.end_char:span.end_char + 60]
            score = 0.5
            if any(p.search(before) for p in self.home_before):
                score += 5
            if any(p.search(after) for p in self.home_after):
                score += 3
            line_start = text.rfind("\n", 0, span.start_char) + 1
            line = text[line_start:text.find("\n", span.end_char) if "\n" in text[span.end_char:] else len(text)]
            if sign is not None and span.start_char == sign[2]:
                score += 3  # "..., Isla, Nairn" closing the story
            elif span.start_char >= signoff_start and len(line.split()) <= 12:
                score += 3  # a sign-off line: "Trevor, Ballymena"
            elif span.start_char > len(text) * 0.85 and re.search(r"\b\d+\s+[A-Z][a-z]+", text[max(0, span.start_char - 40):span.start_char]):
                score += 3  # the town in a postal address
            if any(p.search(before) for p in self.treat_before) and not any(p.search(before) for p in self.home_before):
                if any(p.search(after) for p in self.treat_after) or re.search(
                        r"(?:hospital|hospice|centre|clinic|infirmary|unit|trial|team|specialist)\s+(?:in|at)\s*$",
                        before, re.IGNORECASE):
                    score -= 3
                else:
                    score -= 0.5
            if any(p.search(after) for p in self.treat_after):
                score -= 1.5
            scores[key] = scores.get(key, 0.0) + score
        best = max(scores, key=lambda k: scores[k])
        if scores[best] >= 2.5:
            return surface[best]
        positive = [k for k, v in scores.items() if v > 0]
        if len(positive) == 1 and len(scores) == 1:
            return surface[positive[0]]
        return None


# --------------------------------------------------------------------------------------
# Sites of spread
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_sites", default_config={"data_file": "sites.json"})
def make_sites(nlp: Language, name: str, data_file: str) -> "Sites":
    return Sites(nlp, load_data(data_file))


class Sites:
    """A site counts when a site word shares a sentence with a spread cue and the sentence is not
    hypothetical (a list of signs to look out for, "it can be in your lungs")."""

    def __init__(self, nlp: Language, cfg: dict[str, Any]):
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for slug, words in cfg["sites"].items():
            self.matcher.add(slug, list(nlp.tokenizer.pipe(words)))
        self.strong = re.compile(rf"\b(?:{_alternation(cfg['strong_cues'])})\b", re.IGNORECASE)
        self.hypothetical = re.compile(rf"\b(?:{_alternation(cfg['hypothetical_cues'])})\b", re.IGNORECASE)

    def __call__(self, doc: Doc) -> Doc:
        sites: list[str] = []
        by_sentence: dict[int, list[tuple[str, Span]]] = {}
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            sent = span.sent if has_sents(doc) else doc[:]
            by_sentence.setdefault(sent.start, []).append((doc.vocab.strings[match_id], span))
        for sent_start, hits in by_sentence.items():
            sent = hits[0][1].sent if has_sents(doc) else doc[:]
            sent_text = sent.text
            for slug, span in hits:
                # Judge the clause around the site word, so one hypothetical aside does not undo the rest.
                rel = span.start_char - sent.start_char
                clause_start = max(sent_text.rfind("(", 0, rel), sent_text.rfind(";", 0, rel), 0)
                clause_end_candidates = [i for i in (sent_text.find(")", rel), sent_text.find(";", rel)) if i >= 0]
                clause_end = min(clause_end_candidates) if clause_end_candidates else len(sent_text)
                clause = sent_text[clause_start:clause_end]
                if self.hypothetical.search(clause):
                    continue
                if slug not in sites and self.strong.search(sent_text):
                    sites.append(slug)
        doc._.sites = sites
        return doc


# --------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_themes", default_config={"data_file": "themes.json"})
def make_themes(nlp: Language, name: str, data_file: str) -> "Themes":
    return Themes(nlp, load_data(data_file))


class Themes:
    """Weighted lexicons per theme; a theme is asserted when its weighted hits reach a threshold."""

    def __init__(self, nlp: Language, cfg: dict[str, Any]):
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.weights: dict[str, dict[str, float]] = {}
        self.thresholds: dict[str, float] = {}
        self.max_hits = int(cfg.get("max_hits_per_term", 2))
        default = float(cfg.get("default_threshold", 2.5))
        # A long story mentions more theme words in passing than a short one, so the bar rises
        # with length: threshold x scale x (words / reference) ** exponent.
        scaling = cfg.get("length_scaling", {})
        self.scale = float(scaling.get("scale", 1.0))
        self.reference_words = float(scaling.get("reference_words", 300))
        self.min_words = float(scaling.get("min_words", 100))
        self.exponent = float(scaling.get("exponent", 0.0))
        for slug, spec in cfg["themes"].items():
            terms = {t.lower(): float(w) for t, w in spec["terms"].items()}
            self.weights[slug] = terms
            self.thresholds[slug] = float(spec.get("threshold", default))
            self.matcher.add(slug, list(nlp.tokenizer.pipe(list(terms))))
        self.order = list(cfg["themes"])

    def __call__(self, doc: Doc) -> Doc:
        raw: dict[str, float] = {}
        spans: dict[str, list[dict[str, int]]] = {}
        hits: dict[tuple[str, str], int] = {}
        for match_id, start, end in self.matcher(doc):
            slug = doc.vocab.strings[match_id]
            span = doc[start:end]
            term = span.text.lower()
            weight = self.weights[slug].get(term)
            if weight is None:
                continue
            key = (slug, term)
            hits[key] = hits.get(key, 0) + 1
            if hits[key] > self.max_hits:
                continue
            raw[slug] = raw.get(slug, 0.0) + weight
            spans.setdefault(slug, []).append({"start": span.start_char, "end": span.end_char})
        themes = []
        words = max(len(doc.text.split()), self.min_words)
        factor = self.scale * (words / self.reference_words) ** self.exponent
        for slug in self.order:
            value = raw.get(slug, 0.0)
            threshold = self.thresholds[slug] * factor
            if value >= threshold:
                score = round(1 - math.exp(-value / (2 * threshold)), 3)
                themes.append({"slug": slug, "score": score, "spans": _merge_spans(spans[slug])})
        themes.sort(key=lambda t: -t["score"])
        doc._.themes = themes
        return doc


def _merge_spans(spans: list[dict[str, int]]) -> list[dict[str, int]]:
    out: list[dict[str, int]] = []
    for sp in sorted(spans, key=lambda s: (s["start"], s["end"])):
        if out and sp["start"] <= out[-1]["end"]:
            out[-1]["end"] = max(out[-1]["end"], sp["end"])
        else:
            out.append(dict(sp))
    return out


# --------------------------------------------------------------------------------------
# Moderator flags
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_flags", default_config={"data_file": "flags.json"})
def make_flags(nlp: Language, name: str, data_file: str) -> "Flags":
    return Flags(load_data(data_file))


_OPEN_QUOTE = re.compile(r"(?:(?<=^)|(?<=[\s(\[]))['\"‘“](?=\S)")
_CLOSE_QUOTE = re.compile(r"(?<=\S)['\"’”](?=[\s.,;:!?)\]]|$)")


def _quoted_regions(text: str) -> list[tuple[int, int, int]]:
    """(open, start, end) of quoted stretches; apostrophes inside words are not quotes."""
    regions = []
    pos = 0
    while True:
        o = _OPEN_QUOTE.search(text, pos)
        if not o:
            break
        c = _CLOSE_QUOTE.search(text, o.end())
        if not c:
            break
        regions.append((o.start(), o.end(), c.start()))
        pos = c.end()
    return regions


def _loose_apostrophes(pattern: str) -> str:
    """Let "don't" in a pattern also match "dont" and "don’t": storytellers often drop apostrophes."""
    return pattern.replace("'", "['’]?")


class Flags:
    """Safeguarding, spam, misinformation and legal-risk flags with their evidence spans."""

    def __init__(self, cfg: dict[str, Any]):
        flags = re.IGNORECASE
        sg = cfg["safeguarding"]
        self.sg_patterns = [re.compile(_loose_apostrophes(p), flags) for p in sg["patterns"]]
        self.sg_exempt = [re.compile(_loose_apostrophes(p), flags) for p in sg["negation_exempt"]]
        self.sg_neg = set(sg["negated_before"])
        self.sg_window = int(sg["negation_window_words"])
        sp = cfg["spam"]
        self.spam_patterns = [(re.compile(p, flags), float(w)) for p, w in sp["patterns"].items()]
        self.spam_threshold = float(sp["threshold"])
        mi = cfg["misinformation"]
        self.mi_patterns = [re.compile(_loose_apostrophes(p), flags) for p in mi["patterns"]]
        self.mi_strong = [re.compile(_loose_apostrophes(p), flags) for p in mi["strong_patterns"]]
        self.mi_neg = set(mi["negated_before"]) | {"thought", "believed", "assumed", "hoped", "think", "if"}
        self.mi_window = int(mi["negation_window_words"])
        self.mi_threshold = float(mi["threshold"])
        lr = cfg["legal_risk"]
        self.lr_patterns = [re.compile(p, flags) for p in lr["accusation_patterns"]]
        self.lr_strong = re.compile("|".join(f"(?:{p})" for p in lr.get("strong_accusation_patterns", [])) or r"(?!)", flags)
        self.lr_any = re.compile("|".join(f"(?:{p})" for p in lr["accusation_patterns"]), flags)
        self.lr_not_named = [c.lower() for c in lr["not_named_cues"]]
        self.lr_before = int(lr["window_sentences_before"])
        titles = _alternation(load_data("pii.json")["titles"])
        self.clinician_re = re.compile(rf"\b(?:{titles})\s+[A-Z][a-zA-Z'’\-]+")

    def __call__(self, doc: Doc) -> Doc:
        sents = _sentences(doc)
        full = doc.text  # doc.text rebuilds the string on every access: take it once
        starts = [s.start_char for s in sents]
        evidence: dict[str, list[dict[str, int]]] = {
            "safeguarding": self._safeguarding(full, sents, starts),
            "spam": [],
            "misinformation": self._misinformation(full, sents, starts),
            "legal_risk": self._legal_risk(doc, sents),
        }
        spam, spam_ev = self._spam(full)
        evidence["spam"] = spam_ev if spam else []
        flags = {k: bool(v) for k, v in evidence.items()}
        flags["spam"] = spam
        doc._.flags = flags
        doc._.flag_evidence = evidence
        return doc

    def _negated(self, text: str, start: int, negators: set[str], window: int) -> bool:
        words = _clause_before(text, start, window)
        return any(w in negators or w.endswith("n't") and "n't" in negators for w in words)

    @staticmethod
    def _in_sentences(full: str, sents: list[Span], starts: list[int], patterns: list[re.Pattern]):
        """(sentence text, sentence start, match) for each match, matched within its sentence."""
        for pattern in patterns:
            seen: set[int] = set()
            for m in pattern.finditer(full):
                i = max(0, bisect.bisect_right(starts, m.start()) - 1)
                if i in seen:
                    continue
                seen.add(i)
                sent = sents[i]
                text = full[sent.start_char:sent.end_char]
                for sm in pattern.finditer(text):
                    yield text, sent.start_char, sm

    def _safeguarding(self, full: str, sents: list[Span], starts: list[int]) -> list[dict[str, int]]:
        out = []
        for text, offset, m in self._in_sentences(full, sents, starts, self.sg_patterns):
            exempt = any(e.match(text, m.start()) for e in self.sg_exempt)
            if not exempt and self._negated(text, m.start(), self.sg_neg, self.sg_window):
                continue
            if self._reported_by_someone_else(text, m.start(), _quoted_regions(text)):
                continue
            out.append({"start": offset + m.start(), "end": offset + m.end()})
        return _merge_spans(out)

    @staticmethod
    def _reported_by_someone_else(text: str, pos: int, quotes: list[tuple[int, int, int]]) -> bool:
        for open_at, start, end in quotes:
            if start <= pos < end:
                lead = text[max(0, open_at - 60):open_at]
                # "I told my GP 'I want to end it'" is the writer's own words; anyone else's are not.
                return not re.search(r"\bI\b(?!')", lead)
        return False

    def _spam(self, text: str) -> tuple[bool, list[dict[str, int]]]:
        total = 0.0
        ev = []
        for pattern, weight in self.spam_patterns:
            matches = list(pattern.finditer(text))[:3]
            if matches:
                total += weight * min(len(matches), 2)
                ev += [{"start": m.start(), "end": m.end()} for m in matches]
        words = len(text.split())
        stops = len(re.findall(r"[.!?](?:\s|$)", text))
        if words > 60 and stops <= 1 and re.search(r"https?://|www\.", text):
            total += 3  # a run of keywords around a link, no sentences: not a story
        return total >= self.spam_threshold, _merge_spans(ev)

    def _misinformation(self, full: str, sents: list[Span], starts: list[int]) -> list[dict[str, int]]:
        total = 0.0
        ev = []
        for text, offset, m in self._in_sentences(full, sents, starts, self.mi_patterns):
            if self._negated(text, m.start(), self.mi_neg, self.mi_window):
                continue
            if re.match(r"[^.]{0,25}\b(?:primary|first time)", text[m.end():], re.IGNORECASE):
                continue  # "I was cured of primary breast cancer" is not a claim about secondary
            strong = any(s.match(text, m.start()) for s in self.mi_strong)
            total += 2 if strong else 1
            ev.append({"start": offset + m.start(), "end": offset + m.end()})
        return _merge_spans(ev) if total >= self.mi_threshold else []

    def _legal_risk(self, doc: Doc, sents: list[Span]) -> list[dict[str, int]]:
        named = [(s.start_char, s.end_char) for s in doc.spans.get(PII_SPANS_KEY, [])
                 if s.label_ == "HOSPITAL" or (s.label_ == "PERSON" and self.clinician_re.match(s.text))]
        ev: list[dict[str, int]] = []
        full = doc.text
        if not self.lr_any.search(full):
            return ev
        for i, sent in enumerate(sents):
            sent_text = full[sent.start_char:sent.end_char]
            hits = [m for p in self.lr_patterns for m in p.finditer(sent_text)]
            if not hits:
                continue
            lo = sents[max(0, i - self.lr_before)].start_char
            hi = sent.end_char
            around = full[lo:sents[min(len(sents) - 1, i + 1)].end_char].lower()
            if any(c in around for c in self.lr_not_named):
                continue
            strong = [m for m in hits if self.lr_strong.search(m.group(0))]
            if strong and any(s < hi for s, _ in named):
                # A grave accusation (negligence, legal action) about a clinician or hospital named earlier.
                ev += [{"start": sent.start_char + m.start(), "end": sent.start_char + m.end()} for m in hits]
            elif any(lo <= s < hi for s, _ in named):
                ev += [{"start": sent.start_char + m.start(), "end": sent.start_char + m.end()} for m in hits]
        return _merge_spans(ev)


# --------------------------------------------------------------------------------------
# Pull-quote candidates
# --------------------------------------------------------------------------------------

@Language.factory("storydesk_quotes", default_config={"data_file": "quotes.json"})
def make_quotes(nlp: Language, name: str, data_file: str) -> "Quotes":
    return Quotes(load_data(data_file))


class Quotes:
    """First-person sentences of quotable length, scored for vividness. Personal data is removed
    later by the tagger, which knows the final personal-data spans."""

    def __init__(self, cfg: dict[str, Any]):
        self.min_words = int(cfg["min_words"])
        self.max_words = int(cfg["max_words"])
        self.first_person = set(cfg["first_person"])
        self.vivid = {k.lower(): float(v) for k, v in cfg["vivid_words"].items()}
        self.penalty = {k.lower(): float(v) for k, v in cfg["penalty_words"].items()}
        self.vivid_re = re.compile(rf"\b(?:{_alternation(self.vivid)})\b", re.IGNORECASE)
        self.max_quotes = int(cfg.get("max_quotes", 5))

    def __call__(self, doc: Doc) -> Doc:
        risky = (doc._.flag_evidence or {}).get("safeguarding", []) + (doc._.flag_evidence or {}).get("spam", [])
        cands = []
        full = doc.text  # doc.text rebuilds the string on every access
        for sent in _sentences(doc):
            start, end = self._trim(full, sent.start_char, sent.end_char)
            text = full[start:end]
            words = [t for t in sent if not t.is_punct and not t.is_space]
            if not (self.min_words <= len(words) <= self.max_words):
                continue
            lowers = {t.lower_.replace("’", "'") for t in words}
            if not lowers & self.first_person:
                continue
            if "\n" in text or any(r["start"] < end and start < r["end"] for r in risky):
                continue
            score = self._score(text, len(words))
            if score > 0:
                cands.append({"text": text, "start": start, "end": end, "score": score})
        cands.sort(key=lambda c: -c["score"])
        doc._.quote_candidates = cands
        return doc

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int]:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end and text[start] in "0123456789" and re.match(r"\d+\.\s", text[start:end]):
            start += re.match(r"\d+\.\s+", text[start:end]).end()
        return start, end

    def _score(self, text: str, n_words: int) -> float:
        lower = text.lower()
        value = 1.0
        value += sum(self.vivid.get(m.group(0).lower(), 0) for m in self.vivid_re.finditer(text))
        value -= sum(w for k, w in self.penalty.items() if k in lower)
        value -= 0.3 * len(re.findall(r"\d", text)) ** 0.5
        if 12 <= n_words <= 30:
            value += 0.5
        if text.endswith("?") or text.endswith(":"):
            value -= 0.5
        if re.match(r"(?:and|but|so|then|or)\b", lower):
            value -= 0.5
        if value <= 0:
            return 0.0
        return round(value / (value + 3), 3)


__all__ = [
    "PII_SPANS_KEY", "PiiRules", "Places", "Sites", "Themes", "Flags", "Quotes",
]
