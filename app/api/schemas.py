"""The response schemas of the OpenAPI document (app/api/openapi.py): closed objects, all required.

They describe what app/api/queries.py returns, and cut the models' own dicts to it (`conform`):
a field reaches the API by being documented here. tests/test_api_schema.py holds the two together.
"""

from __future__ import annotations

from app.api import params
from app.api.schema_parts import BOOL, INT, MOMENT, NUM, STR, array, json_content, nullable, obj, ref, shape
from app.api.team_schemas import MARKET_TEAMS
from app.models import Phase
from app.models.voting import Method, RoundStatus, Target

WORKSHOP = {
    "id": INT,
    "title": STR,
    "question": STR,
    "cluster": ref("Cluster"),
    "language": STR,
    "status": {"type": "string", "enum": list(params.STATUSES)},
    "phase": {"type": "string", "enum": [p.value for p in Phase]},
    "anonymous": BOOL,
    "facilitator": {"type": "string", "description": "The facilitator's name."},
    "created_at": MOMENT,
    "links": obj({"self": STR, "results": STR}),
}

ITEM = obj(
    {
        "id": INT,
        "kind": {"type": "string", "enum": ["idea", "market"]},
        "text": STR,
        "country": nullable("string"),
        "country_name": nullable("string"),
        "theme_id": nullable("integer"),
        "position": INT,
        "created_at": MOMENT,
    }
)

ROUND_FIELDS = {
    "id": INT,
    "number": INT,
    "title": STR,
    "method": {"type": "string", "enum": [m.value for m in Method]},
    "target": {"type": "string", "enum": [t.value for t in Target]},
    "status": {"type": "string", "enum": [s.value for s in RoundStatus]},
    "anonymous": BOOL,
    "rerun_of": nullable("integer", description="The round this one reran."),
    "opened_at": MOMENT,
    "closed_at": nullable("string", format="date-time"),
}
ROUND_HEAD = obj(ROUND_FIELDS)

STANDING_POINTS = obj(
    {
        "option_id": INT,
        "rank": INT,
        "points": NUM,
        "voters": INT,
        "mean": NUM,
        "spread": NUM,
        "contested": BOOL,
    },
    description="A dot vote or Borda result. option_id is options[].id.",
)
STANDING_SCORES = obj(
    {
        "option_id": INT,
        "rank": nullable("integer"),
        "voters": INT,
        "criteria": array(obj({"criterion": INT, "mean": nullable("number"), "spread": nullable("number")})),
        "weighted_score": nullable("number"),
        "spread": nullable("number"),
        "contested": BOOL,
    },
    description="A weighted-scoring result; criteria[].criterion is criteria[].id; unscored: rank null.",
)
STANDINGS = array({"oneOf": [STANDING_POINTS, STANDING_SCORES]})
MATRIX = array(array(INT))
ROUND = obj(
    ROUND_FIELDS
    | {
        "budget": INT,
        "cap": INT,
        "top_n": nullable("integer"),
        "options": array(
            obj(
                {
                    "id": INT,
                    "item_id": nullable("integer"),
                    "theme_id": nullable("integer"),
                    "label": STR,
                    "country": nullable("string"),
                }
            )
        ),
        "criteria": array(obj({"id": INT, "name": STR, "weight": NUM})),
        "results": ref("Results"),
    }
)

SCHEMAS = {
    "Error": obj({"error": STR, "field": STR}, optional=("field",)),
    "Cluster": obj({"slug": STR, "name": STR}),
    "ClusterList": obj({"clusters": array(ref("Cluster"))}),
    "Workshop": obj(WORKSHOP),
    "WorkshopPage": obj(
        {
            "workshops": array(ref("Workshop")),
            "total": {"type": "integer", "minimum": 0, "description": "Workshops matching the filters."},
            "limit": INT,
            "offset": INT,
        }
    ),
    "WorkshopSummary": obj(
        {
            "workshop": obj(
                WORKSHOP
                | {
                    "phases": array(STR),
                    "submissions_open": BOOL,
                    "private_ideation": BOOL,
                    "participants_cluster": BOOL,
                }
            ),
            "counts": obj(
                {
                    k: {"type": "integer", "minimum": 0}
                    for k in ("participants", "ideas", "markets", "comments", "themes", "rounds")
                }
            ),
            "themes": array(
                obj({"id": INT, "name": STR, "color": STR, "position": INT, "items": array(INT)})
            ),
            "items": array(ITEM),
            "rounds": array(ROUND_HEAD),
        }
    ),
    "Segments": obj(
        {
            "segments": array(obj({"segment": STR, "voters": INT, "results": STANDINGS})),
            "hidden_segments": {"type": "integer", "description": "Segments under 3 voters, not shown."},
        }
    ),
    "Schulze": obj(
        {
            "items": array(INT),
            "voters": INT,
            "pairwise": MATRIX,
            "strongest_paths": MATRIX,
            "ranking": array(array(INT)),
            "schulze_winners": array(INT),
            "condorcet_winner": nullable("integer"),
        },
        description="Schulze method for a ranking round; every id is an option id.",
    ),
    "Results": obj(
        {
            "voted": INT,
            "eligible": INT,
            "method": {"type": "string", "enum": [m.value for m in Method]},
            "sealed": {
                "type": "boolean",
                "description": "An open anonymous round: only counts until it closes.",
            },
            "standings": STANDINGS,
            "schulze": ref("Schulze"),
            "by_cluster": ref("Segments"),
            "by_sector": ref("Segments"),
        },
        optional=("standings", "schulze", "by_cluster", "by_sector"),
    ),
    "Round": ROUND,
    "WorkshopResults": obj({"workshop_id": INT, "rounds": array(ref("Round"))}),
    "Strategy": obj(
        {
            "generated_at": MOMENT,
            "method": {"type": "string", "description": "How the market scores are made, in words."},
            "clusters": array(ref("Cluster")),
            "workshops": array(
                shape(
                    {
                        "id": INT,
                        "title": STR,
                        "cluster": STR,
                        "cluster_name": STR,
                        "date": {"type": "string", "format": "date"},
                        "status": STR,
                        "participants": INT,
                        "markets_round": {"oneOf": [shape({"id": INT, "title": STR}), {"type": "null"}]},
                    }
                )
            ),
            "missing": array(INT),
            "markets": array(
                shape(
                    {
                        "rank": INT,
                        "country": STR,
                        "country_name": STR,
                        "score": nullable(
                            "number",
                            description="Mean of the workshops' scores (1..5) without their leniency.",
                        ),
                        "workshops": INT,
                        "agreement": shape(
                            {
                                "low": NUM,
                                "high": NUM,
                                "gap": NUM,
                                "level": {"type": "string", "enum": ["agree", "roughly", "disagree", "one"]},
                            }
                        ),
                        "by_cluster": {"type": "object", "additionalProperties": nullable("number")},
                        "sources": array(
                            shape(
                                {
                                    "workshop_id": INT,
                                    "workshop_title": STR,
                                    "cluster": STR,
                                    "round_id": INT,
                                    "round_title": STR,
                                    "raw_score": NUM,
                                    "workshop_mean": NUM,
                                    "adjusted": NUM,
                                    "voters": INT,
                                    "item_ids": array(INT),
                                }
                            )
                        ),
                    }
                )
            ),
            "themes": array(
                shape(
                    {
                        "id": INT,
                        "name": STR,
                        "workshops": array(
                            shape(
                                {
                                    "workshop_id": INT,
                                    "workshop_title": STR,
                                    "theme_id": INT,
                                    "theme_name": STR,
                                    "items": array(STR),
                                    "item_ids": array(INT),
                                }
                            )
                        ),
                    }
                )
            ),
            "suggested_themes": array(
                shape(
                    {
                        "key": STR,
                        "name": STR,
                        "score": NUM,
                        "themes": array(
                            shape(
                                {
                                    "theme_id": INT,
                                    "theme_name": STR,
                                    "workshop_id": INT,
                                    "workshop_title": STR,
                                    "items": INT,
                                }
                            )
                        ),
                    }
                )
            ),
            "teams": array(MARKET_TEAMS),
        },
        description="The joint strategy, the same dataset as the strategy page and its downloads.",
    ),
}

ERROR = {"$ref": "#/components/schemas/Error"}

RESPONSES = {
    "BadRequest": {
        "description": "A query parameter is unknown, repeated, too long or invalid.",
        "content": json_content(ERROR),
    },
    "Unauthorized": {
        "description": "No token, or a token that is unknown, revoked or belongs to a disabled account.",
        "headers": {"WWW-Authenticate": {"schema": STR, "description": 'Bearer realm="api"'}},
        "content": json_content(ERROR),
    },
    "NotFound": {
        "description": "No such workshop, or one this token may not read.",
        "content": json_content(ERROR),
    },
}
