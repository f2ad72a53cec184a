from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.forms import no_nul
from app.models import Role


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class AccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), no_nul])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=10, max=200)])


class FirstRunForm(AccountForm):
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


ROLES = [
    SelectChoice(Role.FACILITATOR, _l("Facilitator")),
    SelectChoice(Role.COORDINATOR, _l("Coordinator")),
    SelectChoice(Role.ADMIN, _l("Administrator")),
]


def role_label(role: str) -> str:
    """A role as people call it, in their language."""
    return next((str(c.label) for c in ROLES if c.value == role), role)


class NewUserForm(AccountForm):
    role = SelectField(_l("Role"), choices=ROLES)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLES)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=10, max=200)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
