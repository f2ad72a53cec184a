"""The overview's filters (a GET form), the recurring-theme forms and the introduction of a match
(POSTs with CSRF)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.extensions import db
from app.forms import AppForm, no_nul, strip
from app.models import Cluster
from app.strategy.themes import NAME_MAX


class OverviewFilter(AppForm):
    """Filters in the query string, so a filtered list can be bookmarked and shared; no CSRF (read-only)."""

    class Meta:
        csrf = False

    cluster = SelectField(_l("Host cluster"), validators=[Optional()])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All")),
            SelectChoice("open", _l("Open")),
            SelectChoice("archived", _l("Archived")),
        ],
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clusters = db.session.scalars(sa.select(Cluster).order_by(Cluster.id))
        self.cluster.choices = [SelectChoice("", _l("All clusters"))] + [
            SelectChoice(c.slug, c.name) for c in clusters
        ]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date comes before the start date."))

    def filters(self) -> dict:
        """The valid filters as service arguments; a field with an error does not filter."""
        return {
            "cluster": None if self.cluster.errors else (self.cluster.data or None),
            "date_from": self.date_from.data if not self.date_from.errors else None,
            "date_to": self.date_to.data if not (self.date_to.errors or self.date_from.errors) else None,
            "status": None if self.status.errors else (self.status.data or None),
        }


class ConfirmThemeForm(AppForm):
    name = StringField(
        _l("Name of the recurring theme"),
        filters=[strip],
        validators=[DataRequired(), Length(max=NAME_MAX), no_nul],
    )
    # The workshop themes of the suggestion, as "3-8-12" (its key).
    themes = HiddenField(validators=[DataRequired(), Length(max=2000), Regexp(r"^\d{1,18}(-\d{1,18})*$")])

    def theme_ids(self) -> list[int]:
        return [int(part) for part in self.themes.data.split("-")]


class DismissForm(AppForm):
    themes = HiddenField(validators=[DataRequired(), Length(max=2000), Regexp(r"^\d{1,18}(-\d{1,18})*$")])


class RenameForm(AppForm):
    name = StringField(
        _l("New name"), filters=[strip], validators=[DataRequired(), Length(max=NAME_MAX), no_nul]
    )


class DissolveForm(AppForm):
    """Only its CSRF token: the page it is on is the confirmation."""


class IntroduceForm(AppForm):
    """The pair to introduce in one market: on GET (to confirm, no CSRF needed) and on POST."""

    country = StringField(validators=[DataRequired(), Regexp(r"^[A-Z]{2}$")])
    first = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**63 - 1)])
    second = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**63 - 1)])
