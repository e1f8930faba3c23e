"""The REST API's edges: authentication, error shapes, odd inputs, the OpenAPI document."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.cast import Cast
from tests.conftest import AUTH
from yume.app import create_app
from yume.config import Config

CONTRACT_PATHS = {
    "/api/v1/organizations": {"post"},
    "/api/v1/organizations/{org}": {"get", "patch"},
    "/api/v1/organizations/{org}/staff": {"get", "post"},
    "/api/v1/organizations/{org}/staff/{id}": {"get", "patch", "delete"},
    "/api/v1/organizations/{org}/staff/{id}/time-off": {"post"},
    "/api/v1/organizations/{org}/services": {"get", "post"},
    "/api/v1/organizations/{org}/services/{id}": {"get", "patch", "delete"},
    "/api/v1/organizations/{org}/availability": {"get"},
    "/api/v1/organizations/{org}/appointments": {"get", "post"},
    "/api/v1/organizations/{org}/appointments/{id}": {"get", "patch"},
    "/api/v1/organizations/{org}/appointments/{id}/cancel": {"post"},
    "/api/v1/organizations/{org}/customers": {"get"},
    "/api/v1/organizations/{org}/customers/{id}": {"get"},
    "/api/v1/organizations/{org}/conversations/{id}/messages": {"get"},
    # issue 10: onboarding, beyond the contract
    "/api/v1/signup-links": {"post"},
    "/api/v1/organizations/{org}/connection": {"get"},
}
EXTENSIONS = {  # beyond CONTRACTS.md: the business's frequent questions (issue 12)
    "/api/v1/organizations/{org}/faq": {"get", "post"},
    "/api/v1/organizations/{org}/faq/{id}": {"get", "patch", "delete"},
}


def client_for(config: Config, **changes: Any) -> FlaskClient:
    return create_app(dataclasses.replace(config, **changes)).test_client()


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


# -- authentication -------------------------------------------------------------------------


def test_it_refuses_a_missing_token(client: FlaskClient, cast: Cast) -> None:
    response = client.get(f"/api/v1/organizations/{cast.org.id}")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header", ["Bearer wrong-token", "Basic dGVzdC1hZG1pbi10b2tlbg==", "Bearer", "test-admin-token"]
)
def test_it_refuses_a_wrong_token(client: FlaskClient, cast: Cast, header: str) -> None:
    response = client.get(f"/api/v1/organizations/{cast.org.id}", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")


def test_it_refuses_a_non_ascii_token(client: FlaskClient, cast: Cast) -> None:
    headers = {"Authorization": "Bearer contraseña".encode().decode("latin-1")}
    assert_error(
        client.get(f"/api/v1/organizations/{cast.org.id}", headers=headers), 401, "unauthorized"
    )


def test_it_refuses_everything_when_no_token_is_configured(config: Config, cast: Cast) -> None:
    client = client_for(config, admin_token=None)
    assert_error(
        client.get(f"/api/v1/organizations/{cast.org.id}", headers=AUTH), 401, "unauthorized"
    )
    assert_error(client.post("/api/v1/organizations", json={"name": "X"}), 401, "unauthorized")


def test_it_opens_the_api_in_demo_mode_without_a_token(config: Config, cast: Cast) -> None:
    client = client_for(config, admin_token=None, demo_mode=True)
    response = client.get(f"/api/v1/organizations/{cast.org.id}")
    assert response.status_code == 200
    assert response.get_json()["name"] == "Barbería Don Chuy"


def test_it_still_wants_the_token_in_demo_mode_when_one_is_set(config: Config, cast: Cast) -> None:
    client = client_for(config, demo_mode=True)
    assert_error(client.get(f"/api/v1/organizations/{cast.org.id}"), 401, "unauthorized")
    assert client.get(f"/api/v1/organizations/{cast.org.id}", headers=AUTH).status_code == 200


def test_it_checks_the_token_before_reading_the_body(client: FlaskClient) -> None:
    response = client.post("/api/v1/organizations", data="{nope", content_type="application/json")
    assert_error(response, 401, "unauthorized")


# -- bodies and odd inputs ------------------------------------------------------------------


def test_it_answers_malformed_json_with_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/organizations", headers=AUTH, data='{"name": ', content_type="application/json"
    )
    assert_error(response, 400, "bad_request")


def test_it_answers_a_body_that_is_not_json_with_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/organizations", headers=AUTH, data={"name": "X"})
    assert_error(response, 400, "bad_request")


def test_it_answers_a_body_that_is_not_utf8_with_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/organizations",
        headers=AUTH,
        data=b'{"name": "Barber\xeda"}',
        content_type="application/json",
    )
    assert_error(response, 400, "bad_request")


def test_it_answers_absurdly_nested_json_with_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/organizations",
        headers=AUTH,
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
    )
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("body", ["null", "[]", '["name"]', '"text"', "42"])
def test_it_refuses_bodies_that_are_not_objects(client: FlaskClient, body: str) -> None:
    response = client.post(
        "/api/v1/organizations", headers=AUTH, data=body, content_type="application/json"
    )
    assert_error(response, 422, "validation_error")


def test_it_refuses_a_missing_body(client: FlaskClient) -> None:
    assert_error(client.post("/api/v1/organizations", headers=AUTH), 422, "validation_error")


def test_it_lists_the_fields_of_a_validation_error(client: FlaskClient) -> None:
    response = client.post("/api/v1/organizations", headers=AUTH, json={"name": 5, "extra": 1})
    message = assert_error(response, 422, "validation_error")["message"]
    assert message.startswith("Solicitud inválida: ")  # in Spanish, like the domain errors
    assert "name: debe ser texto" in message and "extra: campo desconocido" in message
    assert "name" in message
    assert "whatsapp_phone_number_id" in message
    assert "extra" in message


def test_it_refuses_strings_where_numbers_go(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        f"/api/v1/organizations/{cast.org.id}/services",
        headers=AUTH,
        json={"name": "Tinte", "duration_minutes": "60", "price_mxn": "500"},
    )
    message = assert_error(response, 422, "validation_error")["message"]
    assert "duration_minutes" in message
    assert "price_mxn" in message


def test_it_refuses_booleans_and_huge_numbers_in_bodies(client: FlaskClient, cast: Cast) -> None:
    for duration in (True, 10**30, -5, 1.5):
        response = client.post(
            f"/api/v1/organizations/{cast.org.id}/services",
            headers=AUTH,
            json={"name": "Tinte", "duration_minutes": duration, "price_mxn": 500},
        )
        assert_error(response, 422, "validation_error")


def test_it_refuses_a_huge_integer_literal(client: FlaskClient, cast: Cast) -> None:
    response = client.post(
        f"/api/v1/organizations/{cast.org.id}/services",
        headers=AUTH,
        data='{"name": "Tinte", "duration_minutes": ' + "9" * 5000 + ', "price_mxn": 1}',
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


@pytest.mark.parametrize("org_id", ["0", "-1", "99999999999999999999999", "abc", "1.5", "%00"])
def test_it_refuses_ids_that_cannot_exist(client: FlaskClient, org_id: str) -> None:
    response = client.get(f"/api/v1/organizations/{org_id}", headers=AUTH)
    assert_error(response, 422, "validation_error")


def test_it_answers_404_for_an_id_that_does_not_exist(client: FlaskClient, cast: Cast) -> None:
    assert_error(client.get("/api/v1/organizations/2147483647", headers=AUTH), 404, "not_found")


@pytest.mark.parametrize("name", ["bad\\u0000name", "\\ud800"])
def test_it_refuses_text_no_database_can_store(client: FlaskClient, name: str) -> None:
    response = client.post(
        "/api/v1/organizations",
        headers=AUTH,
        data=f'{{"name": "{name}", "whatsapp_phone_number_id": "55"}}',
        content_type="application/json",
    )
    assert_error(response, 422, "validation_error")


# -- routing --------------------------------------------------------------------------------


def test_it_answers_unknown_api_paths_with_json_404(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/nothing-here", headers=AUTH), 404, "not_found")
    assert_error(client.get("/api/v1/organizations/1/nothing", headers=AUTH), 404, "not_found")


def test_it_leaves_404_pages_outside_the_api_alone(client: FlaskClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_it_answers_wrong_methods_with_json_405(client: FlaskClient, cast: Cast) -> None:
    response = client.put(f"/api/v1/organizations/{cast.org.id}", headers=AUTH, json={})
    assert_error(response, 405, "method_not_allowed")
    assert "PATCH" in response.headers["Allow"]


# -- the OpenAPI document -------------------------------------------------------------------


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def test_it_serves_a_valid_openapi_3_document(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        for operation in item.values():
            assert operation["responses"], path
            operation_ids.append(operation["operationId"])
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path
                    assert parameter["required"] is True
    assert len(operation_ids) == len(set(operation_ids))


def test_it_lists_every_contract_path(document: dict[str, Any]) -> None:
    documented = {path: set(item) for path, item in document["paths"].items()}
    assert documented == CONTRACT_PATHS | EXTENSIONS


def test_it_documents_the_bearer_security_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    for item in document["paths"].values():
        for operation in item.values():
            assert operation["security"] == [{"bearer": []}]


def test_it_documents_the_error_shape_on_every_operation(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    for item in document["paths"].values():
        for operation in item.values():
            for status in ("400", "401", "404", "422"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}


def test_it_documents_409_where_booking_can_refuse(document: dict[str, Any]) -> None:
    assert (
        "409" in document["paths"]["/api/v1/organizations/{org}/appointments"]["post"]["responses"]
    )
    assert (
        "409"
        in document["paths"]["/api/v1/organizations/{org}/appointments/{id}"]["patch"]["responses"]
    )


def test_it_serves_the_swagger_docs_page(client: FlaskClient) -> None:
    page = client.get("/api/v1/swagger")
    assert page.status_code == 200
    assert "swagger-ui" in page.get_data(as_text=True)
    stylesheet = client.get("/api/v1/swagger/css/swagger-ui.css")
    stylesheet.close()
    assert stylesheet.status_code == 200
