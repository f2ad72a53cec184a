"""API endpoints: GET only, JSON only, a Bearer token on every one but the OpenAPI document.

The session cookie is never read here: a logged-in browser without a token gets 401, so no
other site can make a visitor's browser read the API (and the blueprint is CSRF-exempt).
"""

from __future__ import annotations

from flask import Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound
from werkzeug.routing import Rule

from app.api import bp, openapi, params, queries, tokens
from app.errors import DomainError

PUBLIC = ("api.openapi_document",)
ALLOWED = ["GET", "HEAD", "OPTIONS"]


@bp.before_request
def authenticate() -> ResponseReturnValue | None:
    """Every path but the document needs `Authorization: Bearer <token>`, unknown ones too."""
    if request.endpoint in PUBLIC and request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    scheme, _sep, presented = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return unauthorized(_("Send an API token: Authorization: Bearer <token>."), invalid=False)
    user = tokens.authenticate(presented.strip())
    if user is None:
        return unauthorized(
            _("This API token is unknown or revoked, or its account is disabled."), invalid=True
        )
    g.api_user = user
    return None


def unauthorized(message: str, *, invalid: bool) -> ResponseReturnValue:
    challenge = 'Bearer realm="api"' + (', error="invalid_token"' if invalid else "")
    return jsonify(error=message), 401, {"WWW-Authenticate": challenge}


@bp.after_request
def private(response: Response) -> Response:
    """Answers depend on the token: no cache may keep or share them."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.vary.add("Authorization")
    if request.method == "OPTIONS" and response.status_code == 200:
        response.headers["Allow"] = ", ".join(ALLOWED)  # not the catch-all's "any method"
    return response


@bp.get("/openapi.json")
def openapi_document() -> ResponseReturnValue:
    return jsonify(openapi.document(sorted(queries.cluster_slugs())))


@bp.get("/clusters")
def clusters() -> ResponseReturnValue:
    params.check(request.args, request.query_string, ())
    return jsonify(clusters=queries.clusters())


@bp.get("/workshops")
def workshops() -> ResponseReturnValue:
    filters = params.workshop_filters(request.args, request.query_string, queries.cluster_slugs())
    return jsonify(queries.list_workshops(g.api_user, filters))


@bp.get("/workshops/<id:workshop_id>")
def workshop(workshop_id: int) -> ResponseReturnValue:
    params.check(request.args, request.query_string, ())
    return jsonify(queries.workshop_summary(g.api_user, workshop_id))


@bp.get("/workshops/<id:workshop_id>/results")
def results(workshop_id: int) -> ResponseReturnValue:
    params.check(request.args, request.query_string, ())
    return jsonify(queries.workshop_results(g.api_user, workshop_id))


@bp.get("/strategy")
def strategy() -> ResponseReturnValue:
    ids = params.strategy_ids(request.args, request.query_string)
    return jsonify(queries.joint_strategy(g.api_user, ids))


def fallback(rest: str = "") -> ResponseReturnValue:
    """Unknown paths and methods under /api/v1 answer in JSON too, not with an HTML page."""
    if request.method not in ("GET", "HEAD") and _known_path():
        raise MethodNotAllowed(valid_methods=ALLOWED)
    raise NotFound()


@bp.record_once
def _catch_all(state: BlueprintSetupState) -> None:
    """Rules without a method list match every method (QUERY, TRACE, ...), so the blueprint's
    token check and JSON errors apply to them too; Flask's own routes always name their methods."""
    for path in ("/", "/<path:rest>"):
        state.app.url_map.add(Rule(f"{bp.url_prefix}{path}", endpoint="api.fallback"))
    state.app.view_functions["api.fallback"] = fallback


def _known_path() -> bool:
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        endpoint, _args = adapter.match(request.path, method="GET")
    except HTTPException:
        return False
    return endpoint != "api.fallback"


@bp.errorhandler(DomainError)
def domain_error(error: DomainError) -> ResponseReturnValue:
    body = {"error": error.message} | ({"field": error.field} if error.field else {})
    return jsonify(body), error.status


def http_error(error: HTTPException) -> ResponseReturnValue:
    messages = {
        404: _("Not found."),
        405: _("Only GET is supported."),
        500: _("Something went wrong on our side. Please try again."),
    }
    if not isinstance(error, HTTPException):  # an exception the views did not expect
        error = InternalServerError()
    response = error.get_response()
    response.data = jsonify(error=messages.get(error.code, error.name)).get_data()
    response.mimetype = "application/json"
    return response


# By status code, not by class: Flask looks up the app's per-code HTML pages before any class handler.
for _code in (400, 403, 404, 405, 413, 429, 500):
    bp.register_error_handler(_code, http_error)
