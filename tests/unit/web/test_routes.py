"""Unknown routes, wrong methods and the /_mock/ controls."""

import pytest


def test_health(client):
    answer = client.get("/_mock/health")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok"
    assert body["accounts"] == 2


@pytest.mark.parametrize(
    "path", ["/nothing", "/restapi/v1.0/account/~/extension/~/nothing", "/restapi/v2/x"]
)
def test_unknown_route_is_404_in_the_platform_shape(client, path):
    answer = client.get(path)
    assert answer.status_code == 404
    body = answer.get_json()
    assert body["errorCode"] == "CMN-102"
    assert body["errors"][0]["parameterName"] == "uri"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/restapi/v1.0/account/~/extension/~/presence", "GET, PUT"),
        ("POST", "/restapi/v1.0/account/~/presence", "GET"),
        ("GET", "/restapi/oauth/token", "POST"),
        ("GET", "/_mock/reset", "POST"),
    ],
)
def test_wrong_method_is_405_in_the_platform_shape(client, method, path, allowed):
    answer = client.open(path, method=method)
    assert answer.status_code == 405
    assert answer.headers["Allow"] == allowed
    assert answer.get_json()["errors"][0]["errorCode"] == "CMN-101"


def test_put_with_several_ids_is_refused(admin, directory):
    ids = ",".join(str(e.id) for e in directory.accounts[0].extensions[:2])
    answer = admin.put(f"/restapi/v1.0/account/~/extension/{ids}/presence", {"userStatus": "Busy"})
    assert answer.status_code == 400
    assert answer.get_json()["parameterName"] == "extensionId"
