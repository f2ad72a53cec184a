"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the routes (no framework generates it), and held to them by
tests/test_api_schema.py, which runs schemathesis against the served document: every
response must match its schema. Objects are closed (additionalProperties: false), so a
field added to a response without being documented here fails that test.
"""

from __future__ import annotations

from app.api import params
from app.api.schema_parts import json_content
from app.api.schemas import RESPONSES, SCHEMAS


def document(cluster_slugs: list[str]) -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bridge Co-Design API",
            "version": "1.0.0",
            "description": (
                "Read-only access to workshops, their results and the joint strategy. Authenticate with "
                "`Authorization: Bearer <token>`; a token is created on the account's API tokens page and "
                "shown once. Facilitators' tokens read only their own workshops; another workshop answers "
                "404 as if it did not exist. Unknown query parameters are refused with 400."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": _paths(cluster_slugs),
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "bcd_ followed by 43 URL-safe characters",
                }
            },
            "schemas": SCHEMAS,
            "responses": RESPONSES,
        },
    }


def _paths(cluster_slugs: list[str]) -> dict:
    workshop_id = {
        "name": "workshop_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID},
    }
    return {
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": json_content({"type": "object"}),
                    }
                },
            }
        },
        "/clusters": {
            "get": _get("clusters", "The host clusters (slugs for the cluster filter)", "ClusterList")
        },
        "/workshops": {
            "get": _get(
                "listWorkshops",
                "Workshops the token may read, newest first, filtered and paged",
                "WorkshopPage",
                _filters(cluster_slugs),
            )
        },
        "/workshops/{workshop_id}": {
            "get": _get(
                "getWorkshop",
                "A workshop with its counts, themes, items on the board and rounds",
                "WorkshopSummary",
                [workshop_id],
                not_found=True,
            )
        },
        "/workshops/{workshop_id}/results": {
            "get": _get(
                "getWorkshopResults",
                "Every round of a workshop with its options, criteria and results",
                "WorkshopResults",
                [workshop_id],
                not_found=True,
            )
        },
        "/strategy": {"get": _strategy()},
    }


def _get(op_id: str, summary: str, schema: str, parameters=(), *, not_found: bool = False) -> dict:
    responses = {
        "200": {
            "description": summary + ".",
            "content": json_content({"$ref": f"#/components/schemas/{schema}"}),
        },
        "400": {"$ref": "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return {"operationId": op_id, "summary": summary, "parameters": list(parameters), "responses": responses}


def _filters(cluster_slugs: list[str]) -> list[dict]:
    def query(name: str, schema: dict, description: str) -> dict:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    return [
        query(
            "cluster",
            {"type": "string", "enum": sorted(cluster_slugs)},
            "Host cluster's slug (see /clusters).",
        ),
        query("status", {"type": "string", "enum": list(params.STATUSES)}, "Open or archived."),
        query("from", {"type": "string", "format": "date"}, "Created on or after this day (UTC)."),
        query("to", {"type": "string", "format": "date"}, "Created on or before this day (UTC)."),
        query(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": params.MAX_LIMIT, "default": params.DEFAULT_LIMIT},
            "Page size.",
        ),
        query(
            "offset",
            {"type": "integer", "minimum": 0, "maximum": params.MAX_OFFSET, "default": 0},
            "Workshops to skip.",
        ),
    ]


def _strategy() -> dict:
    operation = _get(
        "jointStrategy",
        "The joint strategy across the named workshops",
        "Strategy",
        [
            {
                "name": "workshop",
                "in": "query",
                "required": True,
                "style": "form",
                "explode": True,
                "description": "A workshop id, repeated for each workshop: ?workshop=1&workshop=2.",
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": params.MAX_STRATEGY_WORKSHOPS,
                    "uniqueItems": True,
                    "items": {"type": "integer", "minimum": 1, "maximum": params.MAX_ID},
                },
            }
        ],
        not_found=True,
    )
    operation["description"] = (
        "The method (also in `method`): each workshop's latest closed scoring round on target markets, "
        "its scores (1..5) less the workshop's leniency (the mean of its scores) plus the workshops' "
        "common level, so they stay on the 1..5 scale; then averaged over the workshops that scored a "
        "country, so a large room does not drown a small one, with how far the workshops agree "
        "(`agreement`). Every id links back to the workshops, rounds and items."
    )
    return operation
