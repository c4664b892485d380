"""General behaviours added for unseen stories: known hospital names, Welsh streets and hospitals,
sign-offs on the last line, phone extensions, apostrophe-less safeguarding wordings, negations,
and grave accusations about a clinician named earlier."""
from __future__ import annotations


def _of(result: dict, kind: str) -> list[str]:
    return [f["text"] for f in result["pii"] if f["type"] == kind]


def test_hospitals_known_by_name_alone(tag):
    result = tag("My scans are done at Velindre and the surgery was at Raigmore years ago.")
    assert "Velindre" in _of(result, "HOSPITAL") and "Raigmore" in _of(result, "HOSPITAL")


def test_ambiguous_hospital_names_need_the(tag):
    assert _of(tag("I go to the Marsden every month for my jab."), "HOSPITAL") == ["Marsden"]
    assert _of(tag("Our neighbour Jim Marsden drove me to clinic."), "HOSPITAL") == []


def test_welsh_hospital_and_street(tag):
    result = tag("Write to me at 9 Ffordd Las, Bangor. I was treated at Ysbyty Glan Clwyd last year.")
    assert any(h.startswith("Ysbyty Glan Clwyd") for h in _of(result, "HOSPITAL"))
    assert any("Ffordd Las" in a for a in _of(result, "STREET_ADDRESS"))


def test_phone_with_extension(tag):
    result = tag("You can reach me at work on 0113 496 0555 ext 4 most days.")
    assert _of(result, "PHONE") == ["0113 496 0555"]


def test_inline_signoff_name_and_town(tag):
    text = "Thank you all for listening to me, it really helps to write it down. Bronwen, 52, Aberystwyth"
    result = tag(text)
    assert "Bronwen" in _of(result, "PERSON")
    assert result["location"] == "Aberystwyth"


def test_name_here_introduction(tag):
    assert "Gwenda" in _of(tag("Gwenda here, 61, and still going after four years."), "PERSON")


def test_nurse_is_name(tag):
    assert "Ailsa" in _of(tag("My breast care nurse is Ailsa and she is a gem."), "PERSON")


def test_safeguarding_without_apostrophes(tag):
    assert tag("Most nights i dont want to be here anymore, i am so tired of it.")["flags"]["safeguarding"]


def test_safeguarding_passive_wish_and_tablets(tag):
    assert tag("Some days I wish I could go to sleep and never wake up.")["flags"]["safeguarding"]
    assert tag("Last year I thought about taking all my painkillers at once.")["flags"]["safeguarding"]
    assert tag("He keeps saying we would be better off without him.")["flags"]["safeguarding"]


def test_safeguarding_hard_negatives(tag):
    for text in ("I'm dying to meet my new granddaughter in June.",
                 "I have never once thought about ending it, even on the worst days.",
                 "I am frightened of dying and I don't want to die yet."):
        assert not tag(text)["flags"]["safeguarding"], text


def test_grave_accusation_reaches_back_to_named_hospital(tag):
    text = ("My aunt was under Fernbrook General Hospital for two years. She had pain for months. "
            "They kept sending her home. Nobody listened. We are now taking legal action.")
    assert tag(text)["flags"]["legal_risk"]


def test_sites_with_misspelling_and_stage_list(tag):
    assert "brain" in tag("She had secondarys in her brain for a year.")["sites"]
    assert "liver" in tag("Stage 4, bones and liver, diagnosed at 49.")["sites"]


def test_surname_that_is_also_a_town(tag):
    people = [f["text"] for f in tag("My name is Dilys Ripley and I was diagnosed in May.")["pii"] if f["type"] == "PERSON"]
    assert "Dilys Ripley" in people
