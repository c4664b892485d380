"""Our spaCy components on a blank pipeline (no model), and the themes/sites/places/quotes of the
full tagger on handwritten stories."""
from __future__ import annotations

import spacy

import moderation.nlp.components  # noqa: F401  (registers the factories)


def _blank(*names: str):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    for name in names:
        nlp.add_pipe(name)
    return nlp


# --- blank pipeline -------------------------------------------------------------------

def test_themes_component_on_blank_pipeline():
    nlp = _blank("storydesk_themes")
    doc = nlp("I'm on letrozole and palbociclib, with radiotherapy to my hip and a clinical trial next. "
              "The fatigue and the hot flushes and the mouth ulcers are the worst side effects.")
    slugs = [t["slug"] for t in doc._.themes]
    assert "treatment" in slugs and "side_effects" in slugs
    assert "work_money" not in slugs
    for theme in doc._.themes:
        assert 0 < theme["score"] <= 1 and theme["spans"]


def test_sites_component_on_blank_pipeline():
    nlp = _blank("storydesk_sites")
    doc = nlp("Last year the scan showed it had spread to my spine and there were two spots on my liver.")
    assert sorted(doc._.sites) == ["bones", "liver"]


def test_pii_rules_component_on_blank_pipeline():
    nlp = _blank("storydesk_pii_rules")
    doc = nlp("Mr Okonkwo operated on me at Fenwick Royal Infirmary. Write to 3 Larch Grove.")
    found = {(s.label_, s.text) for s in doc.spans["storydesk_pii"]}
    assert ("PERSON", "Mr Okonkwo") in found
    assert ("HOSPITAL", "Fenwick Royal Infirmary") in found
    assert ("STREET_ADDRESS", "3 Larch Grove") in found


def test_flags_component_on_blank_pipeline():
    nlp = _blank("storydesk_flags")
    assert nlp("Some nights I don't want to go on.")._.flags["safeguarding"] is True
    assert nlp("I have never thought about ending it.")._.flags["safeguarding"] is False


# --- themes ---------------------------------------------------------------------------

def test_themes_of_a_work_and_money_story(tag):
    text = ("I had to give up work in the spring and now we live on my husband's wages and my PIP. "
            "The benefits assessment was humiliating and the mortgage still has to be paid. "
            "Parking at the hospital is eight pounds a time and I'm there every week, so money is tight.")
    slugs = {t["slug"] for t in tag(text)["themes"]}
    assert "work_money" in slugs
    assert "end_of_life" not in slugs and "specialist_nurse" not in slugs


def test_themes_of_a_specialist_nurse_story(tag):
    text = ("There is no secondary breast cancer nurse at my trust. When I had primary I had a named "
            "nurse I could phone, now I have no one to call and I end up in A&E. "
            "Everyone deserves a specialist nurse.")
    slugs = {t["slug"] for t in tag(text)["themes"]}
    assert "specialist_nurse" in slugs


def test_only_known_theme_slugs(tag):
    from moderation.nlp.resources import load_data

    known = set(load_data("themes.json")["themes"])
    text = "I'm on chemo, I'm tired, my kids are scared and I'm waiting for my scan results."
    assert {t["slug"] for t in tag(text)["themes"]} <= known


# --- sites ----------------------------------------------------------------------------

def test_sites_from_where_it_spread(tag):
    text = ("My cancer came back in my pelvis and my ribs. Later they found lesions in my brain, "
            "and the lymph nodes above my collarbone were swollen with it.")
    assert set(tag(text)["sites"]) == {"bones", "brain", "lymph_nodes"}


def test_no_sites_from_symptom_lists_or_body_words(tag):
    text = ("Learn the signs: breathlessness can mean it is in your lungs, and pain under the ribs "
            "can be your liver. I hurt my hip gardening last week but it was nothing.")
    assert tag(text)["sites"] == []


# --- places and location --------------------------------------------------------------

def test_home_town_not_the_treatment_city(tag):
    text = ("Every three weeks I get the train down to Manchester for my treatment at the cancer centre. "
            "It's a long day. I live in Kendal with my partner and our two cats.")
    result = tag(text)
    assert result["location"] == "Kendal"
    assert {p["text"] for p in result["places"]} >= {"Manchester", "Kendal"}
    for place in result["places"]:
        assert text[place["start"]:place["end"]] == place["text"]


def test_location_from_a_sign_off_line(tag):
    text = ("My husband drives me up to Glasgow for my scans and we stop for chips on the way home.\n"
            "Agnes, Kilmarnock")
    assert tag(text)["location"] == "Kilmarnock"


def test_no_location_when_none_is_given(tag):
    text = "I was diagnosed at 44 and I have two teenage boys. Some days are hard but most are good."
    result = tag(text)
    assert result["location"] is None and result["places"] == []


def test_foreign_places_are_not_uk_places(tag):
    result = tag("We went to a clinic in Mexico and later to Germany for more tests.")
    assert result["places"] == [] and result["location"] is None


# --- quotes ---------------------------------------------------------------------------

def test_quotes_are_first_person_sentences_of_quotable_length(tag):
    text = ("Secondary breast cancer is not curable. "
            "I want people to know that I am still here, still laughing, and still my children's mum. "
            "Email me on jo.quote@example.com if you want to talk about any of this with me. "
            "Thanks.")
    quotes = tag(text)["quotes"]
    assert quotes, "expected at least one quote"
    best = quotes[0]
    assert best["text"].startswith("I want people to know")
    assert text[best["start"]:best["end"]] == best["text"]
    assert all("@" not in q["text"] for q in quotes)          # no personal data in a quote
    assert all(8 <= len(q["text"].split()) <= 40 for q in quotes)
    assert [q["score"] for q in quotes] == sorted((q["score"] for q in quotes), reverse=True)


def test_a_long_story_needs_more_than_passing_mentions_to_assert_a_theme(tagger):
    # Two passing mentions of work in a short story are enough; the same two lost in a long
    # story about something else are not.
    work = "I had to give up my job and my sick pay ran out. "
    short = work + "I was told it had spread to my bones. " * 3
    long = work + " ".join(["We walk the dog on the beach every morning and the sea air helps me think."] * 60)
    slugs = lambda text: {t["slug"] for t in tagger.tag(text)["themes"]}  # noqa: E731
    assert "work_money" in slugs(short)
    assert "work_money" not in slugs(long)
