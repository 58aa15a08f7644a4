"""The JSON API speaks one error vocabulary, catalogued in docs/errors.md: every type the code
can answer is listed there, every listed type is one the code answers, all in snake_case; an
unknown URL, staff credentials on a reporter route and a request validation error answer
with it."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import httpx

import tipline
from staff_support import STAFF_PASSWORD, add_user
from tipline import web_errors

from support import LiveServer

CATALOGUE = Path(__file__).parents[1] / "docs" / "errors.md"


def code_types() -> set[str]:
    for module in pkgutil.walk_packages(tipline.__path__, "tipline."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)  # every domain error class is loaded
    return web_errors.domain_types() | web_errors.OWN_TYPES


def catalogued_types() -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", CATALOGUE.read_text(), re.MULTILINE))


def test_every_error_type_is_catalogued_and_every_catalogued_type_exists() -> None:
    found, listed = code_types(), catalogued_types()
    assert found - listed == set(), f"not in docs/errors.md: {sorted(found - listed)}"
    assert listed - found == set(), f"docs/errors.md lists unknown: {sorted(listed - found)}"
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", t) for t in found), sorted(found)


def _error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "type", "message",
                                                             "field"}, body
    error: dict[str, object] = body["error"]
    assert error["type"] in catalogued_types()
    return error


def test_the_json_api_answers_in_the_one_vocabulary(server: LiveServer, http: httpx.Client,
                                                    reporter: tuple[str, str]) -> None:
    unknown = http.get(f"{server.url}/api/v1/no-such-thing")
    assert unknown.status_code == 404
    error = _error(unknown)
    assert error["type"] == "not_found" and "/docs" in str(error["message"])

    wrong_method = http.delete(f"{server.url}/api/v1/reports")
    assert wrong_method.status_code == 405 and _error(wrong_method)["type"] == (
        "method_not_allowed")

    add_user(server.state, "analyst-7")
    staff_on_reporter = http.get(f"{server.url}/api/v1/reports",
                                 auth=("analyst-7", STAFF_PASSWORD))
    error = _error(staff_on_reporter)
    assert staff_on_reporter.status_code == 401 and error["type"] == "authentication_required"
    assert "staff user's credentials" in str(error["message"])
    reporter_on_staff = http.get(f"{server.url}/api/v1/worklist", auth=reporter)
    assert "reporter account's credentials" in str(_error(reporter_on_staff)["message"])
    wrong = http.get(f"{server.url}/api/v1/reports", auth=(reporter[0], "not-the-password"))
    assert _error(wrong)["message"] == "the username or password is wrong"

    bad_query = http.get(f"{server.url}/api/v1/reports", params={"limit": 0}, auth=reporter)
    error = _error(bad_query)
    assert bad_query.status_code == 400 and error["type"] == "invalid_request"
    assert error["field"] == "query.limit" and "pydantic" not in str(error["message"])


def test_the_cyber_tipline_dialect_is_unchanged(server: LiveServer, http: httpx.Client) -> None:
    """An unknown /ispws path still answers NCMEC's reportResponse, word for word."""
    response = http.get(f"{server.url}/ispws/no-such-thing")
    assert response.status_code == 404
    assert "<responseCode>4000</responseCode>" in response.text
    assert "<responseDescription>Not Found</responseDescription>" in response.text
    add_user(server.state, "analyst-8")
    staff = http.get(f"{server.url}/ispws/status", auth=("analyst-8", STAFF_PASSWORD))
    assert staff.status_code == 401 and "<responseCode>2000</responseCode>" in staff.text
    assert ("<responseDescription>the username or password is wrong</responseDescription>"
            in staff.text)
