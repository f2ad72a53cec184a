"""What a round is opened with: its settings and switches, its choices and its criteria, checked."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.core.changes import fetch
from app.errors import Invalid, NotFound, NotNow
from app.extensions import db
from app.models import Criterion, Item, ItemKind, ItemState, RoundOption, Theme, Workshop
from app.models.voting import Method, Target

MAX_POINTS = 100
MAX_CHOICES = 30  # written choices a round may have
CHOICE_MAX = 200


def round_settings(workshop: Workshop, settings: dict) -> dict:
    method, target = settings.get("method"), settings.get("target")
    if method not in tuple(Method):  # a tuple: a list or a dict in the payload is no error
        raise Invalid(_("Choose a voting method."), field="method")
    if target not in tuple(Target):
        raise Invalid(_("Choose what to vote on."), field="target")
    if workshop.private_ideation and target not in (Target.THEMES, Target.CHOICES):
        # Every phone and the projector would read every participant's private ideas.
        raise NotNow(
            _("Ideation is private: reveal the ideas first, then open a round on them."), field="target"
        )
    out = {"method": method, "target": target, "rerun_of_id": settings.get("rerun_of_id")}
    title = settings.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200 or "\x00" in title:
        raise Invalid(_("Give the round a title (up to 200 characters)."), field="title")
    out["title"] = title.strip()
    for name, default in (("budget", 5), ("cap", 3)):
        value = settings.get(name, default)
        if type(value) is not int or not 1 <= value <= MAX_POINTS:
            raise Invalid(_("Choose a whole number from 1 to 100."), field=name)
        out[name] = value
    top_n = settings.get("top_n")
    if top_n is not None and (type(top_n) is not int or top_n < 1):
        raise Invalid(_("Choose a whole number of at least 1."), field="top_n")
    out["top_n"] = top_n
    return out | _flags(workshop, settings)


def _flags(workshop: Workshop, settings: dict) -> dict:
    """The round's switches; in an anonymous workshop its rounds are anonymous (KEPT)."""
    out = {}
    for name, default in (
        ("allow_own", True),
        ("anonymous", workshop.anonymous),  # what the join page promised covers the rounds
        ("results_hidden", True),
        ("shuffle", False),
    ):
        value = settings.get(name, default)
        if type(value) is not bool:
            raise Invalid(_("The request was not understood."), field=name)
        out[name] = value
    if workshop.anonymous and not out["anonymous"]:
        raise Invalid(
            _(
                "Contributions in this workshop are anonymous, as people were told when they joined: "
                "so are its votes."
            ),
            field="anonymous",
        )
    out["hidden_until_revealed"] = out["results_hidden"]
    return out


def round_options(workshop: Workshop, settings: dict) -> list[RoundOption]:
    """The choices on the ballot, by target; at least two."""
    workshop_id, target = workshop.id, settings["target"]
    if "option_ids" in settings:  # a rerun: the same choices as before
        sources = db.session.scalars(sa.select(RoundOption).where(RoundOption.id.in_(settings["option_ids"])))
        rows = [
            RoundOption(item_id=o.item_id, theme_id=o.theme_id, label=o.label, country=o.country)
            for o in sorted(sources, key=lambda o: o.position)
        ]
    elif target == Target.THEMES:
        themes = db.session.scalars(
            sa.select(Theme).where(Theme.workshop_id == workshop_id).order_by(Theme.position)
        )
        rows = [RoundOption(theme_id=t.id, label=t.name) for t in themes]
    elif target == Target.CHOICES:
        rows = []
    else:
        rows = [
            RoundOption(item_id=i.id, label=i.text, country=i.country) for i in _items(workshop_id, settings)
        ]
    if "option_ids" not in settings:
        rows += [RoundOption(label=label) for label in _written(settings.get("choices"))]
    if len(rows) < 2:
        field = "choices" if target == Target.CHOICES else "item_ids"
        raise Invalid(_("A round needs at least two choices."), field=field)
    for position, row in enumerate(rows):
        row.position = position
    return rows


def _written(raw: object) -> list[str]:
    """The choices the facilitator wrote for the round (a quick poll's options, or added to any round)."""
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CHOICES:
        raise Invalid(_("Write at most %(n)s choices.", n=MAX_CHOICES), field="choices")
    labels: dict[str, str] = {}
    for entry in raw:
        if not isinstance(entry, str) or not entry.strip() or len(entry) > CHOICE_MAX or "\x00" in entry:
            raise Invalid(_("Write each choice in 1 to 200 characters."), field="choices")
        label = " ".join(entry.split())
        if label.casefold() in labels:
            twice = _("“%(label)s” is there twice: write each choice once.", label=label)
            raise Invalid(twice, field="choices")
        labels[label.casefold()] = label
    return list(labels.values())


def _items(workshop_id: int, settings: dict) -> list[Item]:
    query = sa.select(Item).where(Item.workshop_id == workshop_id, Item.state == ItemState.LIVE)
    target = settings["target"]
    if target == Target.MARKETS:
        query = query.where(Item.kind == ItemKind.MARKET)
    elif target == Target.THEME:
        theme = fetch(Theme, settings.get("theme_id"), workshop_id)
        if theme is None:
            raise NotFound(_("This theme does not exist (any more)."), field="theme_id")
        query = query.where(Item.theme_id == theme.id)
    else:
        ids = settings.get("item_ids")
        if not isinstance(ids, list) or not all(type(i) is int for i in ids):
            raise Invalid(_("Choose the items to vote on."), field="item_ids")
        query = query.where(Item.id.in_(ids))
    return list(db.session.scalars(query.order_by(Item.theme_id, Item.position, Item.id)))


def round_criteria(raw: object) -> list[Criterion]:
    """The criteria markets are scored on: the joint strategy's three unless the facilitator changed them."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= 8:
        raise Invalid(_("Use from one to eight criteria."), field="criteria")
    rows = []
    for position, entry in enumerate(raw):
        name = entry.get("name") if isinstance(entry, dict) else None
        weight = entry.get("weight", 1.0) if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name.strip() or len(name) > 80 or "\x00" in name:
            raise Invalid(_("Give each criterion a name (up to 80 characters)."), field="criteria")
        if type(weight) not in (int, float) or not 0 <= weight <= 100 or weight != weight:
            raise Invalid(_("Weights are numbers from 0 to 100."), field="criteria")
        rows.append(Criterion(name=name.strip(), weight=float(weight), position=position))
    if not any(c.weight > 0 for c in rows):
        raise Invalid(_("At least one criterion needs a weight above zero."), field="criteria")
    return rows
