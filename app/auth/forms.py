from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length
from wtforms.widgets import PasswordInput

from app.auth import passwords
from app.auth.emails import email_address
from app.forms import AppForm, no_nul
from app.labels import ROLES


class KeptPasswordInput(PasswordInput):
    """A password field that keeps what was typed when another field was wrong, and is emptied
    when it, or the field it must repeat, was: the person types again only what was wrong."""

    def __init__(self) -> None:
        super().__init__(hide_value=False)

    def __call__(self, field, **kwargs):
        if field.errors or getattr(field, "forget", False):
            kwargs["value"] = ""
        return super().__call__(field, **kwargs)


def new_password(label) -> PasswordField:
    """A field for a new password, with the rule stated beside it before anyone types."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)],
        description=passwords.RULE,
        widget=KeptPasswordInput(),
    )


def repeated(label, of: str = "password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), EqualTo(of, message=_l("The passwords differ."))],
        widget=KeptPasswordInput(),
    )


class PasswordsForm(AppForm):
    """A form whose password fields are emptied in pairs: a password and its repetition."""

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        self._forget_pairs()
        return valid

    def refuse(self, name: str | None, message: str) -> None:
        """A service's refusal, shown on its field (or above the form)."""
        field = self._fields.get(name or "")
        (field.errors if field is not None else self.form_errors).append(message)
        self._forget_pairs()

    def _forget_pairs(self) -> None:
        for field in self:
            for validator in field.validators:
                if isinstance(validator, EqualTo) and (field.errors or self[validator.fieldname].errors):
                    field.forget = self[validator.fieldname].forget = True


class LoginForm(AppForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class FirstRunForm(PasswordsForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), no_nul])
    email = EmailField(_l("Email"), validators=[email_address])
    password = new_password(_l("Password"))
    confirm = repeated(_l("Repeat the password"))


class NewUserForm(AppForm):
    """An account the administrator opens; the person sets their password through a link."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120), no_nul])
    email = EmailField(_l("Email"), validators=[email_address])
    role = SelectField(_l("Role"), choices=ROLES)


class RoleForm(AppForm):
    role = SelectField(_l("Role"), choices=ROLES)


class PasswordForm(PasswordsForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=200)], widget=KeptPasswordInput()
    )
    password = new_password(_l("New password"))
    confirm = repeated(_l("Repeat the new password"))


class LinkPasswordForm(PasswordsForm):
    """Setting one's own password through an invitation or reset link."""

    password = new_password(_l("New password"))
    confirm = repeated(_l("Repeat the new password"))
