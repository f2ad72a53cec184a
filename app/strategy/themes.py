"""Recurring themes: suggested by the similarity of their names, confirmed, renamed or dissolved by
a coordinator. Confirmed themes are shared by all coordinators; a workshop theme is in one at most."""

from __future__ import annotations

from collections.abc import Collection, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import Conflict, Invalid, NotFound
from app.extensions import db
from app.models import (
    Item,
    ItemState,
    StrategyTheme,
    StrategyThemeDismissal,
    StrategyThemeMember,
    Theme,
    User,
    Workshop,
)
from app.strategy import matching

NAME_MAX = 80
MAX_MEMBERS = 100


def key(theme_ids: Iterable[int]) -> str:
    """A suggestion's stable name ("3-8-12"): what a dismissal remembers."""
    return "-".join(str(i) for i in sorted(theme_ids))


def confirmed(workshop_ids: list[int]) -> list[dict]:
    """The confirmed recurring themes, each restricted to its members in these workshops."""
    rows = db.session.execute(
        sa.select(StrategyTheme, Theme, Workshop)
        .join(StrategyThemeMember, StrategyThemeMember.strategy_theme_id == StrategyTheme.id)
        .join(Theme, Theme.id == StrategyThemeMember.theme_id)
        .join(Workshop, Workshop.id == Theme.workshop_id)
        .where(Workshop.id.in_(workshop_ids))
        .order_by(StrategyTheme.id, Workshop.created_at, Workshop.id, Theme.position)
    ).all()
    out: dict[int, dict] = {}
    for strategy_theme, theme, workshop in rows:
        entry = out.setdefault(
            strategy_theme.id, {"id": strategy_theme.id, "name": strategy_theme.name, "workshops": []}
        )
        texts = _items(theme.id)
        entry["workshops"].append(
            {
                "workshop_id": workshop.id,
                "workshop_title": workshop.title,
                "theme_id": theme.id,
                "theme_name": theme.name,
                "items": [text for _, text in texts],
                "item_ids": [item_id for item_id, _ in texts],
            }
        )
    return sorted(out.values(), key=lambda t: (-len({w["workshop_id"] for w in t["workshops"]}), t["name"]))


def _items(theme_id: int) -> list[tuple[int, str]]:
    """The theme's live items as the room left them (hidden, withdrawn and merged ones are not)."""
    rows = db.session.execute(
        sa.select(Item.id, Item.text)
        .where(Item.theme_id == theme_id, Item.state == ItemState.LIVE)
        .order_by(Item.position, Item.id)
    )
    return [(row.id, row.text) for row in rows]


def dismiss(user: User, suggestion_key: str) -> None:
    """Set a suggestion aside for every coordinator (again: nothing changes)."""
    taken = sa.select(StrategyThemeDismissal.id).where(StrategyThemeDismissal.key == suggestion_key)
    if db.session.scalar(taken):
        return
    db.session.add(StrategyThemeDismissal(key=suggestion_key, dismissed_by_id=user.id))
    try:
        db.session.commit()
    except IntegrityError:  # dismissed by another coordinator at the same moment
        db.session.rollback()


def dismissed_keys() -> set[str]:
    return set(db.session.scalars(sa.select(StrategyThemeDismissal.key)))


def suggestions(workshops: list[Workshop], dismissed: Collection[str] | None = None) -> list[dict]:
    """Groups of similarly named themes from different workshops, not in a confirmed theme and
    not dismissed (by default the dismissals stored in the database)."""
    if len(workshops) < 2:
        return []
    if dismissed is None:
        dismissed = dismissed_keys()
    by_id = {w.id: w for w in workshops}
    taken = sa.select(StrategyThemeMember.theme_id)
    themes = list(
        db.session.scalars(
            sa.select(Theme)
            .where(Theme.workshop_id.in_(by_id), Theme.id.not_in(taken))
            .order_by(Theme.workshop_id, Theme.position, Theme.id)
        )
    )
    named = [matching.Named(t.id, t.workshop_id, t.name) for t in themes]
    counts = _item_counts([t.id for t in themes])
    out = []
    for group, score in matching.groups(named):
        if key(t.theme_id for t in group) in dismissed:
            continue
        out.append(
            {
                "key": key(t.theme_id for t in group),
                "name": matching.suggested_name([t.name for t in group]),
                "score": score,
                "themes": [
                    {
                        "theme_id": t.theme_id,
                        "theme_name": t.name,
                        "workshop_id": t.workshop_id,
                        "workshop_title": by_id[t.workshop_id].title,
                        "items": counts.get(t.theme_id, 0),
                    }
                    for t in group
                ],
            }
        )
    return out


def _item_counts(theme_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Item.theme_id, sa.func.count(Item.id))
        .where(Item.theme_id.in_(theme_ids), Item.state == ItemState.LIVE)
        .group_by(Item.theme_id)
    )
    return {theme_id: n for theme_id, n in rows}


def confirm(user: User, theme_ids: list[int], name: str) -> StrategyTheme:
    """Confirm a recurring theme: workshop themes from at least two workshops, under one name."""
    name = _checked_name(name)
    ids = sorted({i for i in theme_ids if type(i) is int and 0 < i < 2**63})
    if not 2 <= len(ids) <= MAX_MEMBERS:
        raise Invalid(_("Choose at least two themes."), field="themes")
    themes = list(db.session.scalars(sa.select(Theme).where(Theme.id.in_(ids))))
    if len(themes) != len(ids):
        raise NotFound(_("One of these themes does not exist any more."), field="themes")
    if len({t.workshop_id for t in themes}) < 2:
        raise Invalid(_("A recurring theme spans at least two workshops."), field="themes")
    strategy_theme = StrategyTheme(name=name, created_by_id=user.id)
    strategy_theme.members = [StrategyThemeMember(theme_id=i) for i in ids]
    db.session.add(strategy_theme)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("One of these themes is already in a recurring theme.")) from None
    return strategy_theme


def rename(strategy_theme_id: int, name: str) -> StrategyTheme:
    """Give a confirmed recurring theme another name."""
    strategy_theme = _strategy_theme(strategy_theme_id)
    strategy_theme.name = _checked_name(name)
    db.session.commit()
    return strategy_theme


def dissolve(strategy_theme_id: int) -> str:
    """Undo a confirmation: the workshop themes stay as they are and may be suggested again."""
    strategy_theme = _strategy_theme(strategy_theme_id)
    name = strategy_theme.name
    db.session.delete(strategy_theme)
    db.session.commit()
    return name


def get(strategy_theme_id: int) -> StrategyTheme:
    return _strategy_theme(strategy_theme_id)


def _strategy_theme(strategy_theme_id: int) -> StrategyTheme:
    valid = type(strategy_theme_id) is int and 0 < strategy_theme_id < 2**63
    found = db.session.get(StrategyTheme, strategy_theme_id) if valid else None
    if found is None:
        raise NotFound(_("This recurring theme does not exist (any more)."))
    return found


def _checked_name(name: object) -> str:
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > NAME_MAX or "\x00" in text:
        raise Invalid(_("Give the theme a name (up to 80 characters)."), field="name")
    return text
