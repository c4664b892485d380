"""Moderator flags on handwritten texts."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("text", [
    "Some evenings I don't want to go on.",
    "Last winter I thought about ending it, and I told nobody.",
    "Mum told me she was tired of it all and she didn't want to be here anymore.",
    "I have been saving my painkillers in a drawer just in case.",
    "There were nights I felt suicidal and I rang the Samaritans.",
])
def test_safeguarding_is_flagged(tag, text):
    result = tag(text)
    assert result["flags"]["safeguarding"] is True
    assert result["flag_evidence"]["safeguarding"]


@pytest.mark.parametrize("text", [
    "I never thought about ending it, even when the pain was at its worst.",
    "I don't want to die. I want to see my granddaughter start school.",
    "I'm frightened of dying, of the pain more than anything.",
    "My manager joked 'this spreadsheet makes me want to end it all' and we all laughed.",
])
def test_safeguarding_is_not_flagged(tag, text):
    assert tag(text)["flags"]["safeguarding"] is False


def test_spam_is_flagged_and_a_story_is_not(tag):
    ad = ("Amazing results!! Our mushroom capsules boost energy naturally. 30% off today with code "
          "GLOW30 at https://shop.example.com/glow - free delivery and money back guarantee. Order now!")
    assert tag(ad)["flags"]["spam"] is True
    story = ("I found the charity's website https://example.org/support really useful when I was first "
             "diagnosed, and I joined their online group.")
    assert tag(story)["flags"]["spam"] is False


def test_misinformation_is_flagged(tag):
    text = ("I stopped chemo and went on an alkaline diet with apricot kernels. "
            "My secondary breast cancer is gone, I am cured and my body healed itself.")
    assert tag(text)["flags"]["misinformation"] is True


def test_honest_limits_are_not_misinformation(tag):
    text = ("My oncologist was clear that it's not curable, only treatable. Yoga doesn't cure anything "
            "but it helps me sleep.")
    assert tag(text)["flags"]["misinformation"] is False


def test_legal_risk_needs_a_named_target(tag):
    named = ("My surgeon at Westbury General Hospital, Mr Alan Pike, ignored my scan for months. "
             "He was negligent and I am suing.")
    result = tag(named)
    assert result["flags"]["legal_risk"] is True
    assert result["flag_evidence"]["legal_risk"]
    unnamed = "I believe my GP practice was negligent, but I'm not going to name them here."
    assert tag(unnamed)["flags"]["legal_risk"] is False
