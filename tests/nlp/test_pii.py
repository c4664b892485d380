"""Personal data: each type, NHS checksums, drama-range phones, overlaps, redaction."""
from __future__ import annotations

from moderation.nlp.redact import PLACEHOLDERS, apply_redactions


def _of(result: dict, kind: str) -> list[str]:
    return [f["text"] for f in result["pii"] if f["type"] == kind]


def test_offsets_point_at_the_text(tag):
    text = "I'm Harriet Osei, ring me on 07700 900321 or write to harriet.o@example.com."
    result = tag(text)
    assert result["pii"]
    for f in result["pii"]:
        assert text[f["start"]:f["end"]] == f["text"]
        assert 0 < f["score"] <= 1


def test_email_and_people(tag):
    text = ("My name is Harriet Osei and my partner Lewis drives me to clinic. "
            "You can write to harriet.o@example.com any time.")
    result = tag(text)
    assert _of(result, "EMAIL") == ["harriet.o@example.com"]
    people = _of(result, "PERSON")
    assert any("Harriet Osei" in p for p in people)
    assert "Lewis" in people


def test_titled_clinician_keeps_the_title(tag):
    result = tag("My oncologist, Dr Priya Venkatesh, explained the new tablets slowly and kindly.")
    assert "Dr Priya Venkatesh" in _of(result, "PERSON")


def test_later_first_name_mentions_are_found(tag):
    text = ("My best friend Moira Duncan came to every scan with me. "
            "Moira always brought a flask of tea and a crossword.")
    people = _of(tag(text), "PERSON")
    assert "Moira Duncan" in people and "Moira" in people


def test_public_figures_and_the_charity_are_not_people(tag):
    text = ("I read that Kylie Minogue had breast cancer too, and Macmillan Cancer Support "
            "sent me a booklet about benefits.")
    assert _of(tag(text), "PERSON") == []


def test_nhs_number_needs_a_valid_check_digit(tag):
    valid = tag("Please quote my NHS number 943 476 5919 when you call.")
    assert _of(valid, "NHS_NUMBER") == ["943 476 5919"]
    invalid = tag("Please quote my NHS number 943 476 5910 when you call.")
    assert _of(invalid, "NHS_NUMBER") == []


def test_nhs_number_is_not_also_a_phone(tag):
    result = tag("My NHS number is 9434765919 and I keep it on the fridge.")
    assert _of(result, "NHS_NUMBER") == ["9434765919"]
    assert _of(result, "PHONE") == []


def test_drama_range_and_formatted_phones(tag):
    result = tag("Ring me on 07700 900987, or the landline (0121) 496 0555, "
                 "or from abroad +44 (0)20 7946 0321.")
    assert _of(result, "PHONE") == ["07700 900987", "(0121) 496 0555", "+44 (0)20 7946 0321"]


def test_years_are_not_phones(tag):
    result = tag("I was first diagnosed in 2014 and it came back in 2021.")
    assert _of(result, "PHONE") == []


def test_date_of_birth_only_when_given_as_one(tag):
    result = tag("Her date of birth is 02/05/1958. She started chemo on 14/03/2023.")
    assert _of(result, "DATE_OF_BIRTH") == ["02/05/1958"]
    born = tag("My mother was born on 21 June 1949 in a farmhouse.")
    assert _of(born, "DATE_OF_BIRTH") == ["21 June 1949"]


def test_phone_number_is_not_a_date_of_birth(tag):
    result = tag("Born and raised here, you can call me on 0113 496 0777.")
    assert _of(result, "PHONE") == ["0113 496 0777"]
    assert _of(result, "DATE_OF_BIRTH") == []


def test_address_and_postcodes(tag):
    result = tag("Letters can go to 7 Heather Close, Harrogate, HG2 8PL.")
    assert _of(result, "STREET_ADDRESS") == ["7 Heather Close"]
    assert _of(result, "POSTCODE") == ["HG2 8PL"]


def test_outward_code_on_its_own(tag):
    assert _of(tag("I'm in Sheffield (S11) if anyone wants a coffee."), "POSTCODE") == ["S11"]
    assert _of(tag("Take vitamin B12 and D3 every day, my nurse said."), "POSTCODE") == []


def test_hospital_names(tag):
    result = tag("I had radiotherapy at St Columba's Hospital and respite at Hollybank Hospice. "
                 "The hospital car park costs a fortune.")
    assert _of(result, "HOSPITAL") == ["St Columba's Hospital", "Hollybank Hospice"]


def test_hospital_named_after_a_person_is_one_hospital(tag):
    result = tag("They moved me to the Margaret Ellison Cancer Centre for the trial.")
    assert _of(result, "HOSPITAL") == ["Margaret Ellison Cancer Centre"]
    assert _of(result, "PERSON") == []


def test_redaction_uses_placeholders_and_merges_overlaps():
    text = "Call Ann on 07700 900111 at St Anne's Hospice."
    findings = [
        {"type": "PERSON", "start": 5, "end": 8},
        {"type": "PHONE", "start": 12, "end": 24},
        {"type": "PHONE", "start": 18, "end": 24},
        {"type": "HOSPITAL", "start": 28, "end": 45},
    ]
    assert apply_redactions(text, findings) == "Call [name] on [phone] at [hospital]."
    assert set(PLACEHOLDERS) == {"PERSON", "PHONE", "EMAIL", "NHS_NUMBER", "STREET_ADDRESS", "POSTCODE",
                                 "DATE_OF_BIRTH", "HOSPITAL"}


def test_redacting_tagger_output_leaves_no_personal_data(tag):
    text = "I'm Colette Farrow, DOB 09/09/1971, NHS number 943 476 5919, email colette.f@example.org."
    redacted = apply_redactions(text, tag(text)["pii"])
    for secret in ("Colette", "09/09/1971", "943 476 5919", "colette.f@example.org"):
        assert secret not in redacted
    assert "[date of birth]" in redacted and "[NHS number]" in redacted and "[email]" in redacted
