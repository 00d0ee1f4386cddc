"""The kit's HTTP client: logs in, paces calls, honours Retry-After, records every exchange."""

from __future__ import annotations

import email
import email.policy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from .masking import Masker, url_without_userinfo
from .pacing import Pacer, group_of

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
API = "/restapi/v1.0/account/~"
MAX_RETRIES = 3


class ContractError(Exception):
    """The target could not be used at all (no login, no answer); the message is masked."""


@dataclass
class Exchange:
    """One request and its answer, as the kit shows it (tokens masked)."""

    method: str
    url: str
    path: str
    status: int
    headers: CaseInsensitiveDict[str]
    content: bytes
    line: str  # "GET https://host/path?query" with no token in it

    def json(self) -> Any:
        return json.loads(self.content)

    def described(self) -> str:
        return f"{self.line} (answered {self.status})"

    def parts(self) -> list[tuple[Mapping[str, str], Any]]:
        """The parts of a multipart answer, parsed as the Python SDK does (email package)."""
        head = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode()
        message = email.message_from_bytes(head + self.content, policy=email.policy.HTTP)
        found: list[tuple[Mapping[str, str], Any]] = []
        for part in message.iter_parts():
            payload: Any = part.get_payload(decode=True) or b""
            found.append((dict(part.items()), json.loads(payload)))
        return found


@dataclass
class Target:
    base_url: str
    client_id: str
    client_secret: str
    jwt: str
    pacer: Pacer
    masker: Masker = field(default_factory=Masker)
    session: requests.Session = field(default_factory=requests.Session)
    exchanges: list[Exchange] = field(default_factory=list)
    token: str | None = None
    timeout: float = 30.0
    sleep: Callable[[float], None] | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.masker.add(self.client_secret, self.jwt)
        self.masker.add_basic(self.client_id, self.client_secret)

    # -- login ----------------------------------------------------------------------------------
    def login(self) -> None:
        """Log in, or say in one ContractError why not: the target cannot be reached, is not a
        RingCentral API, or refused the login (the run stops there: docs/kit.md)."""
        try:
            answer = self.request(
                "POST",
                "/restapi/oauth/token",
                data={"grant_type": JWT_GRANT, "assertion": self.jwt},
                auth=(self.client_id, self.client_secret),
                with_token=False,
            )
        except ContractError as error:
            raise ContractError(
                f"cannot reach {url_without_userinfo(self.base_url)} ({error.__cause__ or error}):"
                " is the server running, and is the URL right?"
            ) from None
        raise_unless_logged_in(answer, self.masker)
        tokens = answer.json()
        self.masker.add(tokens.get("access_token"), tokens.get("refresh_token"))
        self.token = tokens["access_token"]

    def logout(self) -> None:
        if self.token:
            self.request(
                "POST",
                "/restapi/oauth/revoke",
                data={"token": self.token},
                auth=(self.client_id, self.client_secret),
                with_token=False,
            )
            self.token = None

    # -- calls ----------------------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, str] | None = None, **kw: Any) -> Exchange:
        return self.request("GET", path, params=params, **kw)

    def put(self, path: str, body: Any) -> Exchange:
        return self.request("PUT", path, json=body)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        with_token: bool = True,
        **kw: Any,
    ) -> Exchange:
        url = self.base_url + path
        query = urlencode(params or {})
        shown = url_without_userinfo(url + (f"?{query}" if query else ""))
        headers = {"Accept": "application/json", **kw.pop("headers", {})}
        if with_token and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        group = group_of(method, urlsplit(url).path)
        for attempt in range(MAX_RETRIES + 1):
            self.pacer.before(group)
            try:
                answer = self.session.request(
                    method, url, params=params, headers=headers, timeout=self.timeout, **kw
                )
            except requests.RequestException as error:
                reason = ContractError(short_reason(error))
                raise ContractError(f"{method} {self.masker.mask(shown)}: {reason}") from reason
            if answer.status_code != 429 or attempt == MAX_RETRIES:
                break
            (self.sleep or self.pacer.sleep)(
                self.pacer.retry_after(answer.headers.get("Retry-After"))
            )
        exchange = Exchange(
            method=method,
            url=url,
            path=path,
            status=answer.status_code,
            headers=answer.headers,
            content=answer.content,
            line=self.masker.mask(f"{method} {shown}"),
        )
        self.exchanges.append(exchange)
        return exchange

    def pages(self, params: Mapping[str, str], limit: int = 50) -> list[Exchange]:
        """Every page of account presence, asked by number from 1 to page 1's totalPages."""
        first = self.get(f"{API}/presence", {**params, "page": "1"})
        pages = [first]
        if first.status != 200:
            return pages
        total = first.json().get("paging", {}).get("totalPages")
        last = total if isinstance(total, int) else 1
        for number in range(2, min(last, limit) + 1):
            pages.append(self.get(f"{API}/presence", {**params, "page": str(number)}))
        return pages


def raise_unless_logged_in(answer: Exchange, masker: Masker) -> None:
    """A token endpoint's answer that holds no token: tell a RingCentral refusal (with a hint at
    the usual cause) from a server that is no RingCentral API at all."""
    try:
        body = answer.json()
    except ValueError:
        body = None
    if (
        answer.status == 200
        and isinstance(body, dict)
        and isinstance(body.get("access_token"), str)
    ):
        return
    if not isinstance(body, dict) or not ("error" in body or "errorCode" in body):
        kind = answer.headers.get("Content-Type") or "no content type"
        raise ContractError(
            f"{answer.line} answered {answer.status} ({kind}) without a token or a RingCentral "
            "error: is this a RingCentral API base URL (e.g. https://platform.ringcentral.com)?"
        )
    codes = [str(e.get("errorCode")) for e in body.get("errors", []) if isinstance(e, dict)]
    said = body.get("error_description") or body.get("message") or body.get("error")
    reason = " ".join(filter(None, [str(body.get("error") or ""), *codes]))
    raise ContractError(
        masker.mask(f"the login was refused: {answer.status} {reason}: {said}. ")
        + "Are these the server's credentials? A presence-mock started with another --seed or "
        "--fixture has other ones: give `presence-mock contract` the same --seed/--fixture, or "
        "pass that server's client ID, secret and JWT (presence-mock credentials --seed N)."
    )


def short_reason(error: requests.RequestException) -> str:
    """`connection refused` rather than urllib3's three nested exception reprs."""
    if isinstance(error, requests.Timeout):
        return "timed out"
    found: BaseException | None = error
    for _ in range(10):  # a chain of causes is short; never follow a loop forever
        if found is None:
            break
        if isinstance(found, OSError) and found.strerror:
            return found.strerror.lower()
        found = found.__context__ or found.__cause__ or _inner(found)
    return str(error)[:200]


def _inner(error: BaseException) -> BaseException | None:
    # requests wraps urllib3's MaxRetryError in args[0], which holds the socket error as .reason
    first = error.args[0] if error.args else None
    reason = getattr(first, "reason", None)
    return reason if isinstance(reason, BaseException) else None
