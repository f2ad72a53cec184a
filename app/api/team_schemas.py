"""The joint strategy's teams per market in the API (app/strategy/teams.py makes them): names only
where the member agreed, emails only for coordinators and administrators."""

from __future__ import annotations

from app.api.schema_parts import BOOL, INT, MOMENT, STR, array, nullable, shape

COUNTED = array({"type": "array", "prefixItems": [nullable("string"), INT], "minItems": 2, "maxItems": 2})
TEAM_MEMBER_FIELDS = {
    "participant_id": INT,
    "name": nullable("string", description="Only where the workshop is named and the member agreed."),
    "organisation": nullable("string", description="As the name."),
    "cluster": STR,
    "sector": nullable("string"),
    "brings": STR,
    "looks_for": STR,
    "workshop_id": INT,
    "workshop_title": STR,
    "email": nullable(
        "string",
        description="Only where the member left one to be contacted, and only for coordinators and "
        "administrators.",
    ),
}
MARKET_TEAMS = shape(
    {
        "country": STR,
        "country_name": STR,
        "members": INT,
        "workshops": INT,
        "clusters": COUNTED,
        "sectors": COUNTED,
        "brings_tags": COUNTED,
        "looks_tags": COUNTED,
        "teams": array(
            shape(
                {
                    "team_id": INT,
                    "workshop_id": INT,
                    "workshop_title": STR,
                    "cluster": STR,
                    "cluster_name": STR,
                    "label": STR,
                    "count": INT,
                    "members": array(
                        shape(
                            TEAM_MEMBER_FIELDS
                            | {"brings_tags": array(STR), "looks_tags": array(STR), "contactable": BOOL}
                        )
                    ),
                }
            )
        ),
        "matches": array(
            shape(
                {
                    "first": shape(TEAM_MEMBER_FIELDS),
                    "second": shape(TEAM_MEMBER_FIELDS),
                    "first_looks_for": array(STR),
                    "second_looks_for": array(STR),
                    "introduced": {
                        "oneOf": [{"type": "null"}, shape({"at": MOMENT, "by": STR})],
                    },
                }
            )
        ),
    }
)
