"""Press officers' forms."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Email, Length, NumberRange, Optional

from pitch.directory import OUTLET_KINDS


class DraftForm(FlaskForm):
    headline = StringField("Headline", validators=[Length(max=200)])
    standfirst = TextAreaField("Standfirst", validators=[Length(max=600)])
    chosen_quotes = StringField("Quotes to use")  # checkboxes rendered by hand; read with getlist
    extra_quotes = TextAreaField("Other quotes, copied from the moderated text (one a line)", validators=[Length(max=3000)])
    spokesperson_quote = TextAreaField("Spokesperson's quote", validators=[Length(max=1500)])
    embargo = StringField("Embargo until (leave empty for immediate release)")


class SendForm(FlaskForm):
    outlet = SelectField("Outlet", choices=[], validate_choice=False)
    recipient = StringField("Sent to (email address or name)", validators=[Length(max=254)])
    sent_on = DateField("Date sent", validators=[DataRequired(message="Enter the date it was sent")])


class ReplyForm(FlaskForm):
    reply = TextAreaField("What they said", validators=[DataRequired(message="Write what they said"), Length(max=3000)])
    replied_on = DateField("Date of reply", validators=[DataRequired(message="Enter the date of the reply")])


class CoverageForm(FlaskForm):
    outlet_name = StringField("Outlet", validators=[DataRequired(message="Enter the outlet"), Length(max=200)])
    ran_on = DateField("Date it ran", validators=[DataRequired(message="Enter the date it ran")])
    link = StringField("Link (optional)", validators=[Optional(), URL(message="Enter a full web address, starting https://"), Length(max=500)])
    audience = IntegerField("Audience, if known", validators=[Optional(), NumberRange(min=0, message="The audience must be a number")])


class OutletForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter the outlet's name"), Length(max=200)])
    kind = SelectField("Kind", choices=[(k, k.capitalize() if k != "tv" else "TV") for k in OUTLET_KINDS])
    areas = StringField("Areas covered", validators=[DataRequired(message="Enter the areas it covers"), Length(max=500)])
    nation = StringField("Nation", validators=[DataRequired(message="Enter the nation"), Length(max=30)])
    region = StringField("Region", validators=[DataRequired(message="Enter the region"), Length(max=40)])
    newsdesk_email = StringField("Newsdesk email", validators=[Optional(), Email(message="Enter a valid email address"), Length(max=254)])
    phone = StringField("Phone", validators=[Optional(), Length(max=30)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])
    active = BooleanField("Active")


class ImportForm(FlaskForm):
    file = FileField("CSV file")
