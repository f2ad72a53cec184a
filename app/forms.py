"""Form helpers shared by HTML posts and socket payloads."""

from __future__ import annotations

from functools import cache

from babel.support import Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from app.errors import Invalid


class AppForm(FlaskForm):
    """Every form of the app: Flask-WTF's, with WTForms' own messages ("Not a valid choice.") in
    the reader's language from a catalogue read once per language. Flask-WTF reads it from disk
    for every request and every socket command that builds a form: 6 % of a join's CPU."""

    class Meta:
        def get_translations(self, form):
            return _wtforms_messages(str(get_locale() or "en"))


@cache
def _wtforms_messages(language: str) -> Translations:
    return Translations.load(messages_path(), [language], domain="wtforms")


def no_nul(_form, field) -> None:
    """A NUL byte makes PostgreSQL drivers raise, a lone surrogate cannot be stored:
    refuse both before the database."""
    if isinstance(field.data, str) and ("\x00" in field.data or not _encodable(field.data)):
        raise ValidationError(_l("This text contains a character that is not allowed."))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def strip(value):
    return value.strip() if isinstance(value, str) else value


def from_payload(form_cls: type[Form], data: object) -> Form:
    """Validate a socket payload with the same form as the HTML post.

    JSON lets true, NaN and nested objects through where a form expects text: every
    declared field must arrive as a string (or be absent), or the command is refused.
    """
    if not isinstance(data, dict):
        raise Invalid(_l("The request was not understood."))
    fields: dict[str, str] = {}
    for name in (field.name for field in form_cls(formdata=None, meta={"csrf": False})):
        if data.get(name) is not None:
            if not isinstance(data[name], str):
                raise Invalid(_l("This field must be text."), field=name)
            fields[name] = data[name]
    form = form_cls(formdata=MultiDict(fields), meta={"csrf": False})
    if not form.validate():
        name, messages = next(iter(form.errors.items()))
        raise Invalid(messages[0], field=name)
    return form
