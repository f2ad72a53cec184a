"""The workshop's records. Models hold columns, relationships and to_dict(); they never commit."""

from app.models.accounts import LinkPurpose, PasswordLink
from app.models.audit import AuditEvent
from app.models.discussion import BoardChange, Comment, Reaction, Theme
from app.models.outcomes import (
    ApiToken,
    Introduction,
    StrategyTheme,
    StrategyThemeDismissal,
    StrategyThemeMember,
)
from app.models.teams import Team, TeamMember
from app.models.voting import Ballot, Criterion, Round, RoundOption, RoundStatus
from app.models.workshop import (
    CLUSTERS,
    PHASE_ORDER,
    Cluster,
    Item,
    ItemKind,
    ItemState,
    Operation,
    Participant,
    Phase,
    Role,
    Sector,
    User,
    Workshop,
    stamp,
    utcnow,
)

__all__ = [
    "AuditEvent",
    "LinkPurpose",
    "PasswordLink",
    "ApiToken",
    "StrategyTheme",
    "StrategyThemeDismissal",
    "StrategyThemeMember",
    "CLUSTERS",
    "PHASE_ORDER",
    "Ballot",
    "BoardChange",
    "Cluster",
    "Comment",
    "Criterion",
    "Introduction",
    "Item",
    "ItemKind",
    "ItemState",
    "Operation",
    "Participant",
    "Phase",
    "Reaction",
    "Role",
    "Round",
    "RoundOption",
    "RoundStatus",
    "Sector",
    "Team",
    "TeamMember",
    "Theme",
    "User",
    "Workshop",
    "stamp",
    "utcnow",
]
