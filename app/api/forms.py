"""The form that names a new API token."""

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.forms import AppForm, no_nul, strip


class TokenForm(AppForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80), no_nul],
        filters=[strip],
        description=_l("What the token is for, e.g. “Quarterly report script”."),
    )
