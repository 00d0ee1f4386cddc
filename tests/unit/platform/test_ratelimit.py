"""Rate limits per (user, app, group): the groups, defaults and penalty of
docs/contract.md#rate-limits, the three modes and overrides. Time moves with the emulator's
clock, never by sleeping."""

from __future__ import annotations

import pytest

from mockserver.config import ConfigError, Settings
from mockserver.emulator import Emulator
from mockserver.platform.credentials import credential_jwt
from mockserver.platform.ratelimit import DEFAULT_LIMITS, Limit, parse_limits
from mockserver.platform.tokens import JWT_GRANT
from mockserver.platform.users import password
from mockserver.web.app import create_app
from tests.support.login import basic_auth, bearer_headers

API = "/restapi/v1.0/account/~"
ME = f"{API}/extension/~/presence"
LISTING = f"{API}/presence"
HEADERS = (
    "X-Rate-Limit-Group",
    "X-Rate-Limit-Limit",
    "X-Rate-Limit-Remaining",
    "X-Rate-Limit-Window",
)


class Server:
    def __init__(self, **settings: object) -> None:
        self.emulator = Emulator.from_settings(Settings(validate_responses=True, **settings))  # type: ignore[arg-type]
        self.client = create_app(emulator=self.emulator).test_client()
        self.directory = self.emulator.directory

    def token_answer(self, **form: str):
        return self.client.post(
            "/restapi/oauth/token", data=form, headers={"Authorization": basic_auth(self.directory)}
        )

    def login(self, owner=None) -> dict[str, str]:
        owner = owner or self.directory.accounts[0].administrator
        return bearer_headers(self.client, self.directory.apps[0], owner)


def limits_of(answer) -> tuple[str, str, str, str]:
    return tuple(answer.headers.get(name) for name in HEADERS)  # type: ignore[return-value]


def test_headers_mode_is_the_default():
    assert Settings().rate_limits == "headers"


@pytest.mark.parametrize(
    ("method", "path", "group", "limit"),
    [("GET", ME, "light", "50"), ("PUT", ME, "medium", "40"), ("GET", LISTING, "heavy", "10")],
)
def test_each_operation_reports_its_group(method, path, group, limit):
    server = Server()
    headers = server.login()
    call = server.client.get if method == "GET" else server.client.put
    body = {"json": {"userStatus": "Busy"}} if method == "PUT" else {}
    first = call(path, headers=headers, **body)
    second = call(path, headers=headers, **body)
    assert limits_of(first) == (group, limit, str(int(limit) - 1), "60")
    assert second.headers["X-Rate-Limit-Remaining"] == str(int(limit) - 2)


def test_the_token_endpoint_is_the_auth_group():
    server = Server()
    admin = server.directory.accounts[0].administrator
    answer = server.token_answer(grant_type=JWT_GRANT, assertion=credential_jwt(admin))
    assert limits_of(answer) == ("auth", "5", "4", "60")


def test_headers_mode_refuses_nothing():
    server = Server()
    headers = server.login()
    answers = [server.client.get(LISTING, headers=headers) for _ in range(12)]
    assert {a.status_code for a in answers} == {200}
    assert answers[-1].headers["X-Rate-Limit-Remaining"] == "0"


def _stored_count(server: Server, group: str) -> int:
    admin = server.directory.accounts[0].administrator
    counter = f"{group}:{server.directory.apps[0].client_id}:{admin.id}"
    return int(server.emulator.store.get("ratelimit", counter)["count"])  # type: ignore[index]


def test_a_spent_window_reads_zero_until_it_ends_without_a_write_each():
    server = Server()
    headers = server.login()
    answers = [server.client.get(LISTING, headers=headers) for _ in range(15)]
    remaining = [a.headers["X-Rate-Limit-Remaining"] for a in answers]
    assert remaining == [str(n) for n in range(9, -1, -1)] + ["0"] * 5
    # Once spent, the process answers from memory: the stored count stopped at the limit.
    assert _stored_count(server, "heavy") == 10
    server.emulator.clock.advance(60)
    answer = server.client.get(LISTING, headers=headers)
    assert answer.headers["X-Rate-Limit-Remaining"] == "9"


def test_workers_sharing_a_store_share_the_count(tmp_path):
    store = f"sqlite://{tmp_path / 'shared.db'}"
    first, second = Server(store=store), Server(store=store)
    headers = first.login()
    for _ in range(10):
        first.client.get(LISTING, headers=headers)
    answer = second.client.get(LISTING, headers=headers)
    assert answer.headers["X-Rate-Limit-Remaining"] == "0"
    assert _stored_count(second, "heavy") == 11


def test_off_mode_sends_no_headers():
    server = Server(rate_limits="off")
    headers = server.login()
    answers = [server.client.get(LISTING, headers=headers) for _ in range(12)]
    assert {a.status_code for a in answers} == {200}
    assert all(name not in answers[-1].headers for name in HEADERS)


def test_enforce_refuses_the_eleventh_account_read_with_cmn_301():
    server = Server(rate_limits="enforce")
    headers = server.login()
    for remaining in range(9, -1, -1):
        answer = server.client.get(LISTING, headers=headers)
        assert (answer.status_code, answer.headers["X-Rate-Limit-Remaining"]) == (
            200,
            str(remaining),
        )
    refused = server.client.get(LISTING, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    assert limits_of(refused) == ("heavy", "10", "0", "60")
    assert refused.get_json() == {
        "errorCode": "CMN-301",
        "message": "Request rate exceeded",
        "errors": [{"errorCode": "CMN-301", "message": "Request rate exceeded"}],
    }


def test_groups_apps_and_users_count_apart():
    server = Server(rate_limits="enforce")
    admin = server.login()
    for _ in range(11):
        server.client.get(LISTING, headers=admin)
    assert server.client.get(LISTING, headers=admin).status_code == 429
    assert server.client.get(ME, headers=admin).status_code == 200  # light is another group
    colleague = next(
        e for e in server.directory.accounts[0].extensions if e.type.is_user and not e.admin
    )
    assert server.client.get(LISTING, headers=server.login(colleague)).status_code == 200


def test_the_penalty_lasts_60_seconds_and_each_request_restarts_it():
    server = Server(rate_limits="enforce")
    headers = server.login()
    for _ in range(11):
        server.client.get(LISTING, headers=headers)
    server.emulator.clock.advance(59)
    assert server.client.get(LISTING, headers=headers).status_code == 429  # restarts it
    server.emulator.clock.advance(59)
    assert server.client.get(LISTING, headers=headers).status_code == 429  # and again
    server.emulator.clock.advance(60)
    answer = server.client.get(LISTING, headers=headers)
    assert (answer.status_code, answer.headers["X-Rate-Limit-Remaining"]) == (200, "9")


def test_a_new_window_opens_after_the_old_one():
    server = Server(rate_limits="enforce")
    headers = server.login()
    for _ in range(10):
        server.client.get(LISTING, headers=headers)
    server.emulator.clock.advance(60)
    answer = server.client.get(LISTING, headers=headers)
    assert (answer.status_code, answer.headers["X-Rate-Limit-Remaining"]) == (200, "9")


def test_errors_of_throttled_operations_carry_the_headers():
    server = Server()
    headers = server.login()
    other_account = server.directory.accounts[1].id
    answer = server.client.get(f"/restapi/v1.0/account/{other_account}/presence", headers=headers)
    assert answer.status_code == 404
    assert limits_of(answer) == ("heavy", "10", "9", "60")
    bad = server.token_answer(grant_type="telepathy")
    assert bad.status_code == 400
    assert bad.headers["X-Rate-Limit-Group"] == "auth"


def test_unauthenticated_calls_are_not_counted():
    server = Server(rate_limits="enforce")
    answer = server.client.get(LISTING)
    assert answer.status_code == 401
    assert "X-Rate-Limit-Group" not in answer.headers


def test_the_auth_group_keys_on_client_and_username():
    server = Server(rate_limits="enforce")
    admin = server.directory.accounts[0].administrator
    jwt_form = {"grant_type": JWT_GRANT, "assertion": credential_jwt(admin)}
    assert [server.token_answer(**jwt_form).status_code for _ in range(6)] == [200] * 5 + [429]
    user = next(
        e for e in server.directory.accounts[0].extensions if e.phone_number and not e.admin
    )
    by_password = server.token_answer(
        grant_type="password", username=user.phone_number, password=password(user)
    )
    assert by_password.status_code == 200  # another username, another window
    revoke = server.client.post(
        "/restapi/oauth/revoke",
        data={"token": "x"},
        headers={"Authorization": basic_auth(server.directory)},
    )
    assert revoke.status_code == 429  # revoke shares the client's Auth window


def test_overrides_change_one_group():
    server = Server(rate_limits="enforce", rate_limit="heavy=2/30, light=3")
    headers = server.login()
    codes = [server.client.get(LISTING, headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert limits_of(server.client.get(ME, headers=headers)) == ("light", "3", "2", "60")


def test_parse_limits():
    assert parse_limits(None) == DEFAULT_LIMITS
    assert parse_limits("HEAVY=100/120")["heavy"] == Limit(100, 120)
    assert parse_limits("auth=20")["auth"] == Limit(20, 60)


@pytest.mark.parametrize(
    "spec", ["huge=1", "heavy", "heavy=x", "heavy=0", "heavy=5/0", "heavy=5/s"]
)
def test_bad_overrides_are_config_errors(spec):
    with pytest.raises(ConfigError):
        parse_limits(spec)


def test_a_bad_mode_is_a_config_error():
    with pytest.raises(ConfigError, match="--rate-limits"):
        Server(rate_limits="sometimes")


def test_the_env_twins():
    settings = Settings.from_env(
        {"PRESENCE_MOCK_RATE_LIMITS": "enforce", "PRESENCE_MOCK_RATE_LIMIT": "heavy=1"}
    )
    assert (settings.rate_limits, settings.rate_limit) == ("enforce", "heavy=1")


def test_repeated_flags_join():
    from mockserver.cli.main import _parser, settings_from

    args = _parser().parse_args(
        ["serve", "--rate-limits", "enforce", "--rate-limit", "heavy=1", "--rate-limit", "auth=2"]
    )
    settings = settings_from(args)
    assert (settings.rate_limits, settings.rate_limit) == ("enforce", "heavy=1,auth=2")
