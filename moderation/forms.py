"""Staff forms (Flask-WTF: CSRF on every one)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms import widgets
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from moderation.models import REJECT_REASONS, ROLE_NAMES, ROLES


class LoginForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired(message="Enter your email address")])
    password = PasswordField("Password", validators=[DataRequired(message="Enter your password")])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(message="Enter your current password")])
    new = PasswordField("New password", validators=[DataRequired(message="Enter a new password"), Length(min=12, message="The new password must be at least 12 characters long")])


class ActionForm(FlaskForm):
    """Any action on a story: carries the version the moderator was looking at."""

    seen_version = HiddenField()

    def seen(self) -> int | None:
        try:
            return int(self.seen_version.data)
        except (TypeError, ValueError):
            return None


class EditForm(ActionForm):
    title = StringField("Title")
    text = TextAreaField("Moderated text", validators=[InputRequired(message="Enter the story text")])


class ApproveForm(ActionForm):
    uses = SelectMultipleField(
        "Approve for", choices=[("website", "The website"), ("press", "Journalists (press and radio)")],
        widget=widgets.ListWidget(prefix_label=False), option_widget=widgets.CheckboxInput(), validate_choice=False,
    )


class RejectForm(ActionForm):
    reason = RadioField("Reason", choices=list(REJECT_REASONS.items()), validate_choice=False)
    note = TextAreaField("Note for staff (optional)", validators=[Optional(), Length(max=5000)])


class ChangesForm(ActionForm):
    message = TextAreaField("Message to the storyteller", validators=[Length(max=2000)])


class NoteForm(FlaskForm):
    text = TextAreaField("Add an internal note", validators=[Length(max=5000)])


class UserForm(FlaskForm):
    email = StringField("Email address", validators=[DataRequired(message="Enter an email address"), Email(message="Enter a valid email address"), Length(max=254)])
    role = SelectField("Role", choices=[(role, ROLE_NAMES[role]) for role in ROLES])
    password = PasswordField("One-time password", validators=[DataRequired(message="Enter a one-time password"), Length(min=12, message="The password must be at least 12 characters long")])


class UserRoleForm(FlaskForm):
    role = SelectField("Role", choices=[(role, ROLE_NAMES[role]) for role in ROLES])


class EmptyForm(FlaskForm):
    pass
