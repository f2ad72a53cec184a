"""Forms for workshops, joining and items. ItemForm also validates socket payloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.countries import find_country
from app.core.phases import PHASE_LABELS
from app.extensions import db
from app.forms import AppForm, no_nul, strip
from app.models import Cluster, ItemKind, Phase, Sector
from app.workshops.services.workshops import SETTINGS

TEXT_MAX = 500
COUNTRY_MAX = 100  # the longest name of a country, in any of the languages, has 52 characters


def cluster_choices() -> list[SelectChoice]:
    """Every cluster as a choice. The clusters are the partners, written by the migrations and
    never changed while the app runs: read once per process, not once per join."""
    kept = current_app.extensions.get("cluster_choices")
    if kept is None:
        rows = db.session.execute(sa.select(Cluster.id, Cluster.name).order_by(Cluster.id))
        kept = current_app.extensions["cluster_choices"] = tuple(SelectChoice(*row) for row in rows)
    return list(kept)


class WorkshopForm(AppForm):
    title = StringField(_l("Title"), filters=[strip], validators=[DataRequired(), Length(max=200), no_nul])
    question = TextAreaField(
        _l("Guiding question"),
        filters=[strip],
        validators=[Optional(), Length(max=500), no_nul],
        description=_l("Shown on every phone and on the projector."),
    )
    cluster_id = SelectField(
        _l("Host cluster"),
        coerce=int,
        description=_l("The coordinators file every figure of this workshop under this cluster."),
    )
    language = SelectField(_l("Language"))
    anonymous = BooleanField(
        _l("Anonymous contributions"),
        description=_l("Names are optional and never shown next to items."),
    )
    phases = SelectMultipleField(
        _l("Phases"),
        validators=[DataRequired(_l("Choose at least one phase."))],
        description=_l("The room moves through these in this order; welcome and closed are always there."),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    participants_cluster = BooleanField(
        _l("Participants may cluster too"),
        description=_l("In the cluster phase everyone can drag items into themes from their phone."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No cluster is chosen for the facilitator: a silent first one files a workshop wrongly.
        self.cluster_id.choices = [SelectChoice(0, _l("Choose the host cluster…")), *cluster_choices()]
        self.language.choices = [SelectChoice(*pair) for pair in current_app.config["LANGUAGES"].items()]
        optional = [p for p in Phase if p not in (Phase.LOBBY, Phase.CLOSED)]
        self.phases.choices = [SelectChoice(p.value, PHASE_LABELS[p]) for p in optional]

    def validate_cluster_id(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose the cluster that hosts this workshop."))

    def usual_cluster(self, cluster: Cluster | None) -> WorkshopForm:
        """Start from the facilitator's usual cluster, and say where that choice comes from."""
        if cluster is not None and not self.cluster_id.data:
            self.cluster_id.data = cluster.id
            self.cluster_id.description = _l(
                "Chosen for you: the host cluster of your last workshop, %(name)s. "
                "The coordinators file every figure of this workshop under this cluster.",
                name=cluster.name,
            )
        return self

    def keep_anonymous(self) -> None:
        """People joined on the promise of anonymity: the switch stays on, and says why."""
        self.anonymous.data = True
        self.anonymous.render_kw = {"disabled": True}
        self.anonymous.description = _l(
            "People have joined on the promise that their contributions stay anonymous: "
            "this cannot be switched off."
        )

    def settings(self) -> dict:
        data = {name: getattr(self, name).data for name in SETTINGS}
        data["question"] = data["question"] or ""
        data["phases"] = [p.value for p in Phase if p in {Phase.LOBBY, Phase.CLOSED, *data["phases"]}]
        return data


class CodeForm(AppForm):
    code = StringField(
        _l("Workshop code"), filters=[strip], validators=[DataRequired(), Length(max=20), no_nul]
    )


class JoinForm(AppForm):
    display_name = StringField(
        _l("Your name as others will see it"), filters=[strip], validators=[Length(max=60), no_nul]
    )
    organisation = StringField(
        _l("Organisation (optional)"), filters=[strip], validators=[Length(max=120), no_nul]
    )
    cluster_id = SelectField(_l("Your cluster (optional)"), coerce=int, default=0)
    sector = SelectField(
        _l("Your field (optional)"),
        choices=[
            SelectChoice("", "—"),
            SelectChoice(Sector.AI, _l("Artificial intelligence")),
            SelectChoice(Sector.BLOCKCHAIN, _l("Blockchain")),
            SelectChoice(Sector.BOTH, _l("Both")),
            SelectChoice(Sector.OTHER, _l("Other")),
        ],
        default="",
    )
    consent = BooleanField(
        _l("I have read what is stored and agree"),
        validators=[InputRequired(_l("Please accept the notice to take part."))],
    )
    # What the page promised about anonymity when it was shown (see promise()).
    anonymity = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cluster_id.choices = [SelectChoice(0, "—"), *cluster_choices()]

    def validate_display_name(self, field) -> None:
        # Said with the other fields' errors at once, where the page asked for a name. The service
        # keeps the rule; a page that promised anonymity meets its Conflict instead.
        if self.anonymity.data == "named" and not field.data:
            raise ValidationError(_l("Please enter the name others will see."))

    def promise(self, anonymous: bool) -> JoinForm:
        """Write into the page the anonymity it shows, as it is now (not as it was sent)."""
        self.anonymity.data = "anonymous" if anonymous else "named"
        return self

    def promised_anonymity(self) -> bool | None:
        """What the page that was sent had promised; None: a page that did not say."""
        return {"anonymous": True, "named": False}.get(self.anonymity.data or "")


class ItemForm(AppForm):
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice(ItemKind.IDEA, _l("Strategy idea")),
            SelectChoice(ItemKind.MARKET, _l("Target market")),
        ],
        default=ItemKind.IDEA,
    )
    text = TextAreaField(
        _l("Your idea"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please write something first.")),
            Length(max=TEXT_MAX),
            no_nul,
        ],
    )
    # A code, or a name in any of the app's languages: the form leaves the code in `data`.
    country = StringField(_l("Country"), filters=[strip], validators=[Optional(), Length(max=COUNTRY_MAX)])

    def validate_country(self, field) -> None:
        if self.kind.data == ItemKind.MARKET:
            field.data = _country_code(field.data)


class EditItemForm(ItemForm):
    kind = None  # the kind of an item never changes

    def validate_country(self, field) -> None:
        if field.data:
            field.data = _country_code(field.data)


def _country_code(text: str | None) -> str:
    if not (code := find_country(text)):
        raise ValidationError(_l("Please choose a country from the list."))
    return code


class CommentForm(AppForm):
    text = TextAreaField(
        _l("Comment"),
        filters=[strip],
        validators=[DataRequired(_l("Please write something first.")), Length(max=TEXT_MAX), no_nul],
    )


class ThemeForm(AppForm):
    name = StringField(
        _l("Theme"),
        filters=[strip],
        validators=[DataRequired(_l("Give the theme a name.")), Length(max=80), no_nul],
    )
    color = StringField(_l("Colour"), filters=[strip], validators=[Optional(), Length(max=7)])


class RenameThemeForm(ThemeForm):
    name = StringField(_l("Theme"), filters=[strip], validators=[Optional(), Length(max=80), no_nul])
