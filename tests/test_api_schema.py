"""The API against the OpenAPI document it serves, with schemathesis over WSGI (no server).

Loading the document through schemathesis validates it as OpenAPI 3.1. Then, for every operation,
Hypothesis generates requests (valid and invalid parameters) and each response must be a documented
status with a body matching its schema (the objects are closed, so an undocumented field fails),
never a server error; without a token, or with a revoked one, every operation answers 401; a
facilitator's token asking for another facilitator's workshop gets the 404 of an unknown id.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import tokens
from app.extensions import db
from app.models import ApiToken, Role
from tests.conftest import make_user
from tests.test_api import add_round, ballot, voted  # noqa: F401  (the fixture with rounds and ballots)

pytestmark = pytest.mark.usefixtures("fast_passwords")

DOCUMENT = "/api/v1/openapi.json"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FEW = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure here is a failure every time
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture
def api_schema(app, voted):  # noqa: F811
    """The served document, loaded (and validated) by schemathesis, bound to the app in process."""
    schema = schemathesis.openapi.from_wsgi(DOCUMENT, app)
    schema.validate()
    return schema


@pytest.fixture
def coordinator_token(app) -> str:
    return tokens.create_token(make_user(Role.COORDINATOR), "schemathesis")[1]


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32.5's lazy loader reads `node._nodeid`, which pytest 9 no longer has."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
@FEW
def test_every_response_matches_the_document(case, coordinator_token):
    if case.operation.path == "/openapi.json":
        case.call_and_validate(checks=CHECKS)
        return
    case.call_and_validate(headers={"Authorization": f"Bearer {coordinator_token}"}, checks=CHECKS)


@pytest.fixture
def revoked_token(coordinator_token) -> str:
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == tokens.digest(coordinator_token))
    )
    tokens.revoke_token(token.user, token.id)
    return coordinator_token


def _refused(case, response) -> None:
    """401 for every method and path (any Authorization header generated is not a token of ours)."""
    if case.operation.path == "/openapi.json" and case.method == "GET":
        assert response.status_code == 200
        return
    assert response.status_code == 401, case.as_curl_command()
    assert response.headers["www-authenticate"][0].startswith('Bearer realm="api"')
    assert response.json()["error"]


@schema.parametrize()
@settings(FEW, max_examples=10)
def test_without_a_token_every_operation_is_401(case):
    response = case.call()
    _refused(case, response)
    case.validate_response(response, checks=CHECKS)


@schema.parametrize()
@settings(FEW, max_examples=10)
def test_with_a_revoked_token_every_operation_is_401(case, revoked_token):
    response = case.call(headers={"Authorization": f"Bearer {revoked_token}"})
    _refused(case, response)
    case.validate_response(response, checks=CHECKS)


def test_the_fixture_workshop_is_read_in_full_and_matches(api_schema, voted, coordinator_token):  # noqa: F811
    """Generated ids mostly miss; the seeded workshop's summary, results and strategy are checked here."""
    headers = {"Authorization": f"Bearer {coordinator_token}"}
    wid = voted["workshop"].id
    for path in ("/workshops/{workshop_id}", "/workshops/{workshop_id}/results"):
        case = api_schema[path]["GET"].Case(path_parameters={"workshop_id": wid})
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        assert response.status_code == 200
    results = api_schema["/workshops/{workshop_id}/results"]["GET"].Case(path_parameters={"workshop_id": wid})
    rounds = results.call(headers=headers).json()["rounds"]
    assert [r["results"]["sealed"] for r in rounds] == [False, False, True]  # every shape was checked
    strategy = api_schema["/strategy"]["GET"].Case(query={"workshop": [wid]})
    assert strategy.call_and_validate(headers=headers, checks=CHECKS).status_code == 200
    listing = api_schema["/workshops"]["GET"].Case(query={"cluster": "bwcon", "limit": 1})
    assert listing.call_and_validate(headers=headers, checks=CHECKS).json()["total"] == 1


def test_a_foreign_facilitator_token_gets_the_unknown_id_404(api_schema, voted):  # noqa: F811
    stranger = make_user(Role.FACILITATOR)
    headers = {"Authorization": f"Bearer {tokens.create_token(stranger, 'mine')[1]}"}
    wid = voted["workshop"].id
    for path in ("/workshops/{workshop_id}", "/workshops/{workshop_id}/results"):
        foreign = api_schema[path]["GET"].Case(path_parameters={"workshop_id": wid})
        unknown = api_schema[path]["GET"].Case(path_parameters={"workshop_id": wid + 1000})
        got = foreign.call_and_validate(headers=headers, checks=CHECKS)
        assert got.status_code == 404
        assert got.json() == unknown.call(headers=headers).json()
    strategy = api_schema["/strategy"]["GET"].Case(query={"workshop": [wid]})
    assert strategy.call_and_validate(headers=headers, checks=CHECKS).status_code == 404
    listing = api_schema["/workshops"]["GET"].Case()
    assert listing.call_and_validate(headers=headers, checks=CHECKS).json()["total"] == 0


def test_the_document_is_valid_openapi_and_names_every_route(app, client):
    make_user(Role.COORDINATOR)  # with no account yet, every page leads to the first-run page
    document = client.get(DOCUMENT).json
    schemathesis.openapi.from_dict(document).validate()
    broken = document | {"paths": {"/workshops": {"get": {"responses": {"200": {"content": 5}}}}}}
    with pytest.raises(Exception, match="content"):
        schemathesis.openapi.from_dict(broken).validate()
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.fallback"
    }
    assert routes == set(document["paths"])
    for path, item in document["paths"].items():
        responses = item["get"]["responses"]
        if path != "/openapi.json":
            assert {"200", "400", "401"} <= set(responses), path
            assert ("404" in responses) == ("{workshop_id}" in path or path == "/strategy"), path
