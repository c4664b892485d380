"""The press release and radio pitch, read back as a newsdesk would see them."""
from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess
from dataclasses import replace

import docx
import pytest

from pitch.documents import (
    ENDS,
    IMMEDIATE_RELEASE,
    NOTES_TO_EDITORS,
    MediaContact,
    PressRelease,
    RadioPitch,
    bare_docx_save,
    build_press_release,
    build_radio_pitch,
    embargo_line,
    load_campaign_facts,
    reading_time_seconds,
    words_in,
)

ALLOWED_STYLES = {
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "List Number", "Quote", "Caption",
}  # fmt: skip

SCRIPT = (
    "Around eleven thousand people in the UK die from secondary breast cancer every year. "
    "Sarah, from Leeds, is one of thousands living with it now. She had finished treatment and "
    "thought she was clear, until back pain that would not go away turned out to be cancer that "
    "had spread. Sarah wants everyone in Yorkshire to learn the signs, and every hospital to count "
    "its patients with secondary breast cancer."
)


def make_release(**changes) -> PressRelease:
    release = PressRelease(
        headline="Leeds mum calls for every hospital to count secondary breast cancer patients",
        standfirst="Sarah, 47, found out her cancer had spread two years after finishing treatment.",
        town="Leeds",
        date=datetime.date(2026, 11, 25),
        storyteller_description="Sarah, 47,",
        what="is sharing her story of living with secondary breast cancer",
        why="to urge people across Yorkshire to learn the signs",
        body=["She was diagnosed in 2023 after months of back pain."],
        quotes=["I had never heard of secondary breast cancer.", "Knowing the signs could save a life."],
        spokesperson_name="Alex Smith",
        spokesperson_role="head of campaigns",
        spokesperson_quote="Every hospital should know how many of its patients have secondary breast cancer.",
        call_to_action="Learn the signs and symptoms of secondary breast cancer on the campaign's website.",
        media_contact=MediaContact("Jo Press", "press@example.org", "020 7946 0000"),
    )
    return replace(release, **changes)


def read(data: bytes) -> list[tuple[str, str]]:
    return [(p.style.name, p.text) for p in docx.Document(io.BytesIO(data)).paragraphs]


def index_of(paragraphs: list[tuple[str, str]], text: str, start: bool = False) -> int:
    for i, (_, found) in enumerate(paragraphs):
        if (found.startswith(text) if start else found == text):
            return i
    raise AssertionError(f"{text!r} not found in {[t for _, t in paragraphs]}")


def test_press_release_anatomy_is_in_order_with_real_styles():
    paragraphs = read(build_press_release(make_release(photo_caption="Sarah at home in Leeds")))
    facts = load_campaign_facts().facts

    assert paragraphs[0] == ("Normal", IMMEDIATE_RELEASE)
    assert paragraphs[1] == ("Title", "Leeds mum calls for every hospital to count secondary breast cancer patients")
    assert paragraphs[2][0] == "Subtitle"
    assert paragraphs[3] == (
        "Normal",
        "LEEDS, 25 November 2026 – Sarah, 47, from Leeds, is sharing her story of living with "
        "secondary breast cancer to urge people across Yorkshire to learn the signs.",
    )
    order = [
        index_of(paragraphs, "She was diagnosed in 2023"  , start=True),
        index_of(paragraphs, facts[0].text, start=True),
        index_of(paragraphs, facts[-1].text, start=True),
        index_of(paragraphs, "“I had never heard of secondary breast cancer.”"),
        index_of(paragraphs, "Alex Smith, head of campaigns, said: “Every hospital", start=True),
        index_of(paragraphs, "Learn the signs and symptoms", start=True),
        index_of(paragraphs, ENDS),
        index_of(paragraphs, NOTES_TO_EDITORS),
        index_of(paragraphs, "Sources"),
        index_of(paragraphs, "About the campaign"),
        index_of(paragraphs, "Media contact"),
        index_of(paragraphs, "Jo Press"),
        index_of(paragraphs, "Photo"),
        index_of(paragraphs, "Sarah at home in Leeds"),
    ]
    assert order == sorted(order)
    assert order[-1] == len(paragraphs) - 1

    styles = dict((text, style) for style, text in paragraphs)
    assert styles[NOTES_TO_EDITORS] == "Heading 1"
    assert styles["Sources"] == styles["Media contact"] == styles["About the campaign"] == "Heading 2"
    assert styles["“I had never heard of secondary breast cancer.”"] == "Quote"
    assert styles["Sarah at home in Leeds"] == "Caption"
    assert {style for style, _ in paragraphs} <= ALLOWED_STYLES


def test_every_fact_appears_with_its_source_in_the_body_and_the_notes():
    paragraphs = read(build_press_release(make_release()))
    notes = index_of(paragraphs, NOTES_TO_EDITORS)
    for fact in load_campaign_facts().facts:
        body = [t for s, t in paragraphs[:notes] if s == "List Bullet" and t.startswith(fact.text)]
        assert body and fact.source in body[0]
        assert any(fact.source in t for s, t in paragraphs[notes:] if s == "List Number")


def test_embargo_line_variants():
    assert embargo_line(None) == "FOR IMMEDIATE RELEASE"
    assert embargo_line(datetime.datetime(2026, 3, 3, 0, 1)) == "EMBARGOED UNTIL 00:01 Tuesday 3 March 2026"
    embargoed = read(build_press_release(make_release(embargo=datetime.datetime(2026, 3, 3, 0, 1))))
    assert embargoed[0] == ("Normal", "EMBARGOED UNTIL 00:01 Tuesday 3 March 2026")
    assert not any(IMMEDIATE_RELEASE in t for _, t in embargoed)


def test_photo_caption_only_when_there_is_a_photo():
    without = read(build_press_release(make_release(photo_caption=None)))
    assert "Photo" not in [t for _, t in without]
    assert "Caption" not in [s for s, _ in without]
    with_photo = read(build_press_release(make_release(photo_caption="Sarah at home")))
    assert ("Caption", "Sarah at home") in with_photo


def test_interview_line_only_when_available():
    unavailable = read(build_press_release(make_release(interview_available=False)))
    assert not any("available for interview" in t for _, t in unavailable)
    available = read(build_press_release(make_release(interview_available=True)))
    lines = [t for _, t in available if "available for interview" in t]
    assert lines == ["Sarah, 47, is available for interview. Please contact the media contact below to arrange."]


def test_anonymous_storyteller_and_body_only_opening():
    release = make_release(
        storyteller_description="A woman from Leeds",
        what="",
        why="",
        body=["A Leeds woman living with secondary breast cancer is urging others to learn the signs.", "More."],
        interview_available=True,
    )
    paragraphs = read(build_press_release(release))
    assert paragraphs[3][1] == (
        "LEEDS, 25 November 2026 – A Leeds woman living with secondary breast cancer is urging others to learn the signs."
    )
    assert paragraphs[4][1] == "More."
    assert any(t.startswith("A woman from Leeds is available for interview.") for _, t in paragraphs)


def test_no_layout_by_spaces_or_empty_paragraphs():
    messy = make_release(
        headline="Leeds  mum   speaks out ",
        body=["  Two  spaces here.  ", "Tabs\tand\nnewlines."],
        quotes=[" I  did not know. "],
        photo_caption="Sarah  at home",
        interview_available=True,
    )
    for data in (build_press_release(messy), build_press_release(make_release())):
        for style, text in read(data):
            assert text.strip(), f"empty {style} paragraph"
            assert "  " not in text and "\t" not in text and "\n" not in text, text
            assert text == text.strip()


def test_a_press_release_needs_its_essentials():
    with pytest.raises(ValueError, match="headline"):
        build_press_release(make_release(headline="  "))
    with pytest.raises(ValueError, match="opening"):
        build_press_release(make_release(what="", body=[]))


# --- radio ---------------------------------------------------------------------------------


def test_words_and_reading_time():
    assert words_in("") == 0
    assert words_in("Around 11,400 people – 31 a day – die.") == 7
    assert words_in("one two three") == 3
    assert reading_time_seconds(" ".join(["word"] * 75)) == 30
    assert reading_time_seconds(" ".join(["word"] * 75), wpm=180) == 25
    assert 70 <= words_in(SCRIPT) <= 80


def make_pitch(**changes) -> RadioPitch:
    pitch = RadioPitch(
        subject="Leeds woman living with secondary breast cancer: interview offer",
        email_body=["Hello,", "Sarah from Leeds is living with secondary breast cancer and would like to talk about it."],
        script=SCRIPT,
        local_angle="Sarah lives in Headingley and is treated at St James's Hospital.",
    )
    return replace(pitch, **changes)


def test_radio_pitch_holds_the_email_and_the_timed_script():
    paragraphs = read(build_radio_pitch(make_pitch()))
    texts = [t for _, t in paragraphs]
    assert paragraphs[0] == ("Title", "Radio pitch")
    assert texts.index("Email") < texts.index("Subject: Leeds woman living with secondary breast cancer: interview offer")
    assert texts.index("Local angle") < texts.index("30-second script")
    assert " ".join(SCRIPT.split()) in texts
    words = words_in(SCRIPT)
    assert f"{words} words; about {reading_time_seconds(SCRIPT)} seconds read aloud at 150 words a minute." in texts
    assert not any("available for interview" in t for t in texts)
    assert {s for s, _ in paragraphs} <= ALLOWED_STYLES


def test_radio_pitch_offers_an_interview_only_when_available():
    texts = [t for _, t in read(build_radio_pitch(make_pitch(interview_available=True)))]
    assert any("available for interview" in t for t in texts)


def test_bare_docx_save_holds_the_same_text():
    paragraphs = ["One", "Two two", "Three"]
    assert [t for _, t in read(bare_docx_save(paragraphs))] == paragraphs


# --- LibreOffice ---------------------------------------------------------------------------


def test_libreoffice_converts_both_documents_to_pdf(tmp_path):
    libreoffice = shutil.which("libreoffice") or shutil.which("soffice")
    if libreoffice is None:
        if os.environ.get("CI"):
            pytest.fail("libreoffice is not installed, and CI needs this test to run")
        pytest.skip("libreoffice is not installed")
    release = tmp_path / "press-release.docx"
    radio = tmp_path / "radio-pitch.docx"
    release.write_bytes(build_press_release(make_release(photo_caption="Sarah at home", interview_available=True)))
    radio.write_bytes(build_radio_pitch(make_pitch(interview_available=True)))
    out = tmp_path / "pdf"
    result = subprocess.run(
        [
            libreoffice,
            f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(release),
            str(radio),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for name in ("press-release.pdf", "radio-pitch.pdf"):
        pdf = out / name
        assert pdf.exists(), result.stdout + result.stderr
        assert pdf.read_bytes().startswith(b"%PDF")


# --- campaign_facts.json -------------------------------------------------------------------


def test_campaign_facts_file_has_each_fact_with_a_source_and_no_invented_links():
    facts = load_campaign_facts()
    assert facts.boilerplate.strip()
    by_id = {f.id: f for f in facts.facts}
    assert set(by_id) == {"deaths", "signs", "counting", "nursing"}
    assert "11,400" in by_id["deaths"].text and "31" in by_id["deaths"].text
    assert by_id["signs"].text.startswith("Over half")
    assert by_id["counting"].text.startswith("Two thirds of hospital trusts in England")
    assert by_id["nursing"].text.startswith("Three quarters of NHS trusts and health boards")
    for fact in facts.facts:
        assert fact.source.strip()
        assert "http" not in fact.source and "www." not in fact.source
