"""Where items sit on the clustering board: each theme's items (or the unsorted ones) in order,
and the themes in board order. Shared by the board's changes and their undo."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Item, ItemState, Theme, Workshop


def place(workshop: Workshop, item: Item, theme_id: int | None, index: int | None) -> None:
    """Put an item into a container at index (None: at the end) and renumber both containers."""
    source = item.theme_id
    item.theme_id = theme_id
    target = [i for i in container(workshop, theme_id) if i.id != item.id]
    target.insert(len(target) if index is None else min(index, len(target)), item)
    for position, each in enumerate(target):
        each.position = position
    if source != theme_id:
        for position, each in enumerate(i for i in container(workshop, source) if i.id != item.id):
            each.position = position
    db.session.flush()


def container(workshop: Workshop, theme_id: int | None) -> list[Item]:
    """The items of a theme (None: the unsorted ones) on the board, in their order."""
    return list(
        db.session.scalars(
            sa.select(Item)
            .where(
                Item.workshop_id == workshop.id,
                Item.theme_id.is_(None) if theme_id is None else Item.theme_id == theme_id,
                Item.state.in_((ItemState.LIVE, ItemState.HIDDEN)),
            )
            .order_by(Item.position, Item.id)
        )
    )


def themes_of(workshop: Workshop) -> list[Theme]:
    """The workshop's themes in board order."""
    return list(
        db.session.scalars(
            sa.select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position, Theme.id)
        )
    )


def renumber_themes(themes: list[Theme]) -> None:
    for position, theme in enumerate(themes):
        theme.position = position
