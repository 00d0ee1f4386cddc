"""Batch GET of 2..30 extension IDs: 207 multipart/mixed (docs/contract.md#batch)."""

import pytest

from tests.support.answers import find, parts_of

API = "/restapi/v1.0/account/~"


def users(directory, count):
    return [e for e in directory.accounts[0].extensions if e.type.is_user][:count]


def test_two_ids_answer_207_multipart_in_request_order(admin, directory):
    a, b = users(directory, 2)
    answer = admin.get(f"{API}/extension/{b.id},{a.id}/presence")
    assert answer.status_code == 207
    content_type = answer.headers["Content-Type"]
    assert content_type.startswith("multipart/mixed; boundary=Boundary_")
    assert '"' not in content_type  # an unquoted boundary, as the JS SDK's regex needs
    status, first, second = parts_of(answer)
    assert [item["status"] for item in status["response"]] == [200, 200]
    assert [item["responseDescription"] for item in status["response"]] == ["OK", "OK"]
    assert status["response"][0]["href"].endswith(f"/extension/{b.id}/presence")
    assert (first["extension"]["id"], second["extension"]["id"]) == (b.id, a.id)


def test_parts_are_crlf_separated(admin, directory):
    a, b = users(directory, 2)
    raw = admin.get(f"{API}/extension/{a.id},{b.id}/presence").get_data()
    boundary = raw.split(b"\r\n", 1)[0]
    assert boundary.startswith(b"--Boundary_")
    assert raw.count(boundary + b"\r\n") == 3
    assert raw.endswith(boundary + b"--\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_unknown_id_gets_its_own_404_part(admin, directory):
    (a,) = users(directory, 1)
    answer = admin.get(f"{API}/extension/{a.id},424242424242/presence")
    assert answer.status_code == 207
    status, found, missing = parts_of(answer)
    assert [item["status"] for item in status["response"]] == [200, 404]
    assert status["response"][1]["responseDescription"] == "Not Found"
    assert status["response"][1]["href"].endswith("/extension/424242424242/presence")
    assert found["extension"]["id"] == a.id
    assert missing["errorCode"] == "CMN-102"
    assert missing["errors"][0]["parameterName"] == "extensionId"


def test_a_batch_answers_the_same_records_as_single_reads(admin, directory):
    chosen = directory.accounts[0].extensions[:30]
    ids = ",".join(str(e.id) for e in chosen)
    _, *bodies = parts_of(
        admin.get(f"{API}/extension/{ids}/presence", detailedTelephonyState="true")
    )
    singles = [
        admin.get(f"{API}/extension/{e.id}/presence", detailedTelephonyState="true").get_json()
        for e in chosen
    ]
    assert bodies == singles


def test_thirty_is_the_limit(admin, directory):
    ids = ",".join(str(e.id) for e in directory.accounts[0].extensions[:31])
    answer = admin.get(f"{API}/extension/{ids}/presence")
    assert answer.status_code == 400
    message = "Extension Presence Info multipart request is limited to 30 extensions"
    assert answer.get_json() == {
        "errorCode": "InvalidMultipartRequest",
        "message": message,
        "errors": [{"errorCode": "InvalidMultipartRequest", "message": message}],
    }


def test_tilde_in_a_batch_is_the_caller(admin, directory):
    other = find(directory, lambda e: e.type.is_user and not e.admin)
    _, mine, theirs = parts_of(admin.get(f"{API}/extension/~,{other.id}/presence"))
    assert mine["extension"]["id"] == admin.owner.id
    assert theirs["extension"]["id"] == other.id


@pytest.mark.parametrize("count", [2, 30])
def test_status_part_count_matches_bodies(admin, directory, count):
    ids = ",".join(str(e.id) for e in directory.accounts[0].extensions[:count])
    status, *bodies = parts_of(admin.get(f"{API}/extension/{ids}/presence"))
    assert len(status["response"]) == len(bodies) == count


def test_hand_framed_multipart_matches_the_email_package() -> None:
    from mockserver.presence import wire

    bodies: list[dict[str, object]] = [
        {"uri": "https://x/presence", "presenceStatus": "Busy", "n": [1, 2]},
        {"errorCode": "CMN-102", "message": "Resource for parameter [extensionId] is not found"},
        {},
    ]
    content_type, body = wire.multipart(bodies)
    boundary = content_type.split("boundary=", 1)[1]
    assert body == wire._multipart_with_email(bodies, boundary)
