"""The storyteller's forms. The rules themselves live in ``stories.validation``."""
from __future__ import annotations

from typing import Callable

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms import widgets
from wtforms.validators import ValidationError

from stories import validation
from stories.consent import current_consents, wording
from stories.models import CONSENT_SCOPES

ABOUT_LABELS = [
    ("self", "Me"),
    ("carer", "Someone I care for, with their permission"),
    ("bereaved", "Someone who has died"),
]
SITE_LABELS = [
    ("bones", "Bones"),
    ("liver", "Liver"),
    ("lungs", "Lungs"),
    ("brain", "Brain"),
    ("skin", "Skin"),
    ("lymph_nodes", "Lymph nodes"),
    ("other", "Somewhere else"),
    ("not_said", "I'd rather not say"),
]


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def rule(check: Callable[[str], object]):
    """Turn a ``validation`` function into a WTForms validator that keeps the cleaned value."""

    def validator(form, field) -> None:
        try:
            field.cleaned = check(field.data)
        except validation.Invalid as exc:
            raise ValidationError(str(exc)) from None

    return validator


class ConsentForm(FlaskForm):
    """The six consent questions, each its own unticked box."""

    consent_website = BooleanField(wording().label("website"))
    consent_press = BooleanField(wording().label("press"))
    consent_interview = BooleanField(wording().label("interview"))
    consent_name = BooleanField(wording().label("name"))
    consent_photo = BooleanField(wording().label("photo"))
    consent_contact = BooleanField(wording().label("contact"))

    def consents(self) -> dict[str, bool]:
        return {scope: bool(getattr(self, f"consent_{scope}").data) for scope in CONSENT_SCOPES}

    @classmethod
    def for_story(cls, story) -> "ConsentForm":
        """Ticked as the storyteller last answered."""
        current = current_consents(story)
        return cls(data={f"consent_{s}": bool(current.get(s) and current[s].granted) for s in CONSENT_SCOPES})


class ShareForm(ConsentForm):
    class Meta:
        # "This form has expired" rather than a bare 400 when the session ran out.
        csrf_time_limit = 6 * 3600

    title = StringField("Give your story a title", validators=[rule(validation.title)])
    text = TextAreaField("Your story", validators=[rule(validation.story_text)])
    first_name = StringField("Your first name", validators=[rule(validation.first_name)])
    email = StringField("Email address", validators=[rule(validation.email)])
    about = RadioField("Who is this story about?", choices=ABOUT_LABELS, validate_choice=False)
    town = StringField("Town or city", validators=[rule(validation.town)])
    postcode = StringField("Postcode", validators=[rule(validation.postcode_outward)])
    sites = CheckboxesField("Where has the cancer spread?", choices=SITE_LABELS, validate_choice=False)
    diagnosis_year = StringField("Year of secondary diagnosis", validators=[rule(validation.diagnosis_year)])
    photo = FileField("Add a photo")
    adult = BooleanField(wording().label("adult"))
    own_story = BooleanField(wording().label("own_story"))
    # Hidden from people (and from screen readers); bots fill it in.
    website_address = StringField("Leave this field empty")

    def validate_about(self, field) -> None:
        if field.data not in {value for value, _ in ABOUT_LABELS}:
            raise ValidationError("Select who this story is about")

    def validate_sites(self, field) -> None:
        allowed = {value for value, _ in SITE_LABELS}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Select where the cancer has spread from the list")
        if "not_said" in (field.data or []) and len(field.data) > 1:
            raise ValidationError("Select the places the cancer has spread, or “I'd rather not say”, not both")

    def validate_adult(self, field) -> None:
        if not field.data:
            raise ValidationError("Confirm that you are 18 or over")

    def validate_own_story(self, field) -> None:
        if not field.data:
            raise ValidationError("Confirm that this story is yours to share, or that you have permission to share it")



class WithdrawForm(FlaskForm):
    choice = RadioField(
        "What would you like us to do?",
        choices=[
            ("withdraw", "Withdraw my story: stop using it, but keep it so I can see it here"),
            ("delete", "Withdraw and delete my story: remove my words, photo and contact details now"),
        ],
        validate_choice=False,
    )

    def validate_choice(self, field) -> None:
        if field.data not in {"withdraw", "delete"}:
            raise ValidationError("Select whether to withdraw your story or to withdraw and delete it")


class ResubmitForm(FlaskForm):
    """The storyteller's edit after a moderator asked for changes."""

    title = StringField("Give your story a title", validators=[rule(validation.title)])
    text = TextAreaField("Your story", validators=[rule(validation.story_text)])
