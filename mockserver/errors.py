"""Domain errors, under one root. Each knows its HTTP status and RingCentral error code; the wire
body is made only at the edge by `to_body()`: the API's shape (top-level errorCode/message +
errors[]: docs/contract.md#error-shape) or, for the token endpoints, the OAuth shape
(docs/contract.md#auth-oauth)."""

from __future__ import annotations

from typing import Any, ClassVar

# What every answer of the token endpoint carries: RFC 6749 5.1 and 5.2, and the platform's
# recorded token errors (docs/decisions.md FID-14).
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
# A token error also says the language of its words, as recorded.
OAUTH_ERROR_HEADERS = {**NO_STORE, "Content-Language": "en"}


class MockError(Exception):
    """Base of every error the emulator answers with. Never shown as a traceback."""

    status: int = 400
    error_code: str = "CMN-101"
    schema: ClassVar[str] = "error"  # the schema of the body `to_body()` writes
    template: ClassVar[str] = "Parameter [{parameter}] value is invalid."
    # The key under which the body names `parameter`; None where it only fills the message.
    parameter_key: ClassVar[str | None] = "parameterName"
    # The top level's code where the platform writes a logical one there (the code proper stays
    # in errors[]); None: the same code at both levels.
    logical_code: ClassVar[str | None] = None
    # Whether the top level names the permission too (the recorded permission refusals).
    top_permission: ClassVar[bool] = False

    def __init__(
        self,
        parameter: str | None = None,
        *,
        message: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.parameter = parameter
        self.message = message or self.template.format(parameter=parameter)
        self.headers = headers or {}
        super().__init__(self.message)

    def to_body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        top = self.logical_code or self.error_code
        body: dict[str, Any] = {"errorCode": top, "message": self.message}
        if self.parameter is not None and self.parameter_key is not None:
            item[self.parameter_key] = self.parameter
            if self.parameter_key == "parameterName":
                body["parameterName"] = self.parameter
        body["errors"] = [item]
        if self.parameter is not None and self.top_permission:
            # Recorded permission refusals name the permission at the top level too, after
            # errors[] (decision FID-5).
            body["permissionName"] = self.parameter
        return body


class InvalidParameter(MockError):
    """CMN-101: a query parameter, path parameter or body field has a bad value."""


class ResourceNotFound(MockError):
    """CMN-102: unknown extension or account (docs/contract.md#unknown-ids), or an unknown route."""

    status = 404
    error_code = "CMN-102"
    template = "Resource for parameter [{parameter}] is not found"


class MethodNotAllowed(MockError):
    """A known route with a method it does not serve (docs/decisions.md: 405 + CMN-101)."""

    status = 405
    template = "Parameter [method] value is invalid."


class JsonParseError(MockError):
    """CMN-103: the request body is not JSON (docs/contract.md#presence-put)."""

    error_code = "CMN-103"
    template = "JSON can't be parsed."


class InvalidMultipartRequest(MockError):
    """More than 30 IDs in one extension-presence GET (docs/contract.md#batch)."""

    error_code = "InvalidMultipartRequest"
    template = "Extension Presence Info multipart request is limited to 30 extensions"


class PresenceNotSupported(MockError):
    """PRS-106: PUT on a non-user extension (docs/contract.md#non-user-extensions)."""

    status = 403
    error_code = "PRS-106"
    template = "Not allowed update presence for extensions of {parameter} type"
    parameter_key = None  # the type name is part of the message, not a request parameter


class InvalidAuthorizationHeader(MockError):
    """AGW-402: missing or malformed Authorization header (docs/contract.md#auth-bearer)."""

    status = 401
    error_code = "AGW-402"
    template = "Invalid Authorization header"

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Bearer realm="RingCentral REST API"'})


class TokenNotFound(MockError):
    status = 401
    error_code = "OAU-213"
    template = "Token not found"


class TokenExpired(MockError):
    status = 401
    error_code = "OAU-128"
    template = "Access token expired"


class AppPermissionRequired(MockError):
    """CMN-401: the app lacks the permission the operation needs. The platform's recorded
    body has the logical code `InsufficientPermissions` at the top level and CMN-401 in
    errors[] (decision FID-5)."""

    status = 403
    error_code = "CMN-401"
    logical_code = "InsufficientPermissions"
    top_permission = True
    template = (
        "In order to call this API endpoint, application needs to have [{parameter}] permission"
    )
    parameter_key = "permissionName"


class UserPermissionRequired(MockError):
    """CMN-408: the user may not act on this extension."""

    status = 403
    error_code = "CMN-408"
    template = "[{parameter}] permission required"
    parameter_key = "permissionName"


class RateLimited(MockError):
    """CMN-301: over the rate limit of the operation's group, or inside its penalty window
    (docs/contract.md#rate-limits); `Retry-After` says how many seconds to wait."""

    status = 429
    error_code = "CMN-301"
    template = "Request rate exceeded"


class ServiceUnavailable(MockError):
    """503 CMN-201, the platform's 'Service Temporary Unavailable' (docs/contract.md#errors-table):
    a chaos fault, or the store out of reach. Give `Retry-After` in `headers`."""

    status = 503
    error_code = "CMN-201"
    template = "Service Temporary Unavailable"
    parameter_key = None


class InternalError(MockError):
    """A bug in the emulator (or a chaos 500), still answered in the RingCentral shape: the
    errors page's 500 CMN-203 `Internal Server Error` (decisions ERR-3, FID-23)."""

    status = 500
    error_code = "CMN-203"
    template = "Internal Server Error"


class OAuthError(MockError):
    """An error of the token endpoint: the RFC 6749 shape plus `errors[]`
    (docs/contract.md#auth-oauth)."""

    schema = "oauth-error"

    def __init__(
        self, error: str, error_code: str, message: str, status: int = 400, **params: str
    ) -> None:
        # RFC 6749 5.2 and the recorded token errors: never cached (decision FID-14).
        super().__init__(message=message, headers=dict(OAUTH_ERROR_HEADERS))
        self.error = error
        self.error_code = error_code
        self.status = status
        self.params = params

    def to_body(self) -> dict[str, Any]:
        item: dict[str, Any] = {"errorCode": self.error_code, "message": self.message}
        if self.params:
            item["parameters"] = [
                {"parameterName": k, "parameterValue": v} for k, v in self.params.items()
            ]
        return {"error": self.error, "errors": [item], "error_description": self.message}


def invalid_client(client_id: str) -> OAuthError:
    return OAuthError(
        "invalid_client", "OAU-153", f"Invalid client: {client_id}", client_id=client_id
    )


def client_authentication_required() -> OAuthError:
    """OAU-123: a token request with no client authentication at all (no Basic header, no
    `client_id`): the platform's recorded body (docs/decisions.md FID-14)."""
    return OAuthError("invalid_client", "OAU-123", "Client authentication is required")


def expired_refresh_token() -> OAuthError:
    """OAU-210: a refresh token past its lifetime: the platform's recorded body
    (docs/decisions.md FID-27)."""
    return OAuthError("invalid_grant", "OAU-210", "Token expired")


def unauthorized_client() -> OAuthError:
    """OAU-251: the app may not use this grant (a public app without PKCE): the platform's
    recorded body (docs/decisions.md)."""
    return OAuthError("unauthorized_client", "OAU-251", "Unauthorized for this grant type")


def invalid_grant(message: str = "Invalid resource owner credentials") -> OAuthError:
    return OAuthError("invalid_grant", "OAU-140", message)


def unsupported_grant(grant_type: str) -> OAuthError:
    """OAU-250: a grant type the platform does not know. The recorded body says
    `invalid_request` (not RFC 6749's `unsupported_grant_type`) and names no parameter
    (decision FID-26)."""
    del grant_type  # the recorded body does not echo it
    return OAuthError("invalid_request", "OAU-250", "Unsupported grant type")


def invalid_request(parameter: str) -> OAuthError:
    """A missing or empty required field of the token or authorize endpoint (docs/decisions.md:
    RFC 6749 `invalid_request` with the general CMN-101 code naming the field)."""
    error = OAuthError("invalid_request", "CMN-101", f"Parameter [{parameter}] value is invalid.")
    error.params = {parameter: ""}  # set after: a field named like an argument must not clash
    return error


# Authorization-code failures: codes and messages of the platform's errors page (OAU-106..110),
# answered with 400 like every token-endpoint error (docs/contract.md#auth-oauth), not the page's
# 403.
def invalid_code() -> OAuthError:
    return OAuthError("invalid_grant", "OAU-106", "Invalid authorization code")


def expired_code() -> OAuthError:
    return OAuthError("invalid_grant", "OAU-108", "Authorization code is expired")


def redirect_mismatch() -> OAuthError:
    return OAuthError("invalid_grant", "OAU-109", "Redirect URIs do not match")


def code_of_other_client() -> OAuthError:
    return OAuthError(
        "invalid_grant", "OAU-110", "Authorization code was not issued for this application"
    )


class HttpRefusal(MockError):
    """A request the HTTP layer refused before any operation saw it (a body too large, ...):
    the status it chose, in the platform's shape with the general CMN-101 code."""

    parameter_key = None

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message=message)
        self.status = status


class InsufficientPermissions(MockError):
    """A user acting on call-queue presence they may not change (decision QUEUE-4):
    the platform's logical code `InsufficientPermissions` (its docs show it with
    `[ReadCompanyCallLog] permission required`)."""

    status = 403
    error_code = "InsufficientPermissions"
    template = "[{parameter}] permission required"
    parameter_key = "permissionName"
    top_permission = True  # as the recorded InsufficientPermissions bodies (decision FID-5)


class BatchLimit(MockError):
    """CMN-106: more entries in a batch than the operation allows (the errors page)."""

    template = "Batch request is limited to {parameter} entries"
    error_code = "CMN-106"
    parameter_key = None


class DisabledExtension(MockError):
    """PRS-105: presence PUT on a Disabled extension (the old API reference's PUT table)."""

    status = 403
    error_code = "PRS-105"
    template = "Not allowed update presence for extensions having Disabled state"
    parameter_key = None


# -- subscriptions: the codes and messages of the 2021 spec's x-error-codes ------------
class SubscriptionError(MockError):
    """A SUB- error: the platform's code and message, no parameter."""

    parameter_key = None

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message=message)


class InvalidReminder(SubscriptionError):
    error_code = "SUB-516"
    template = "Invalid reminder parameters"


class TokenNotReturned(SubscriptionError):
    error_code = "SUB-520"
    template = "Validation Token is not returned"


class WebhookUnreachable(SubscriptionError):
    error_code = "SUB-521"
    template = "WebHook is not reachable"


class HttpsRequired(SubscriptionError):
    error_code = "SUB-523"
    template = "HTTPS is required"


class InvalidWebhookResponse(SubscriptionError):
    error_code = "SUB-525"
    template = "WebHook server response is invalid"


class OtherAccountFilters(SubscriptionError):
    """Every filter named another account: 403, the status the 2021 spec's x-error-codes and the
    errors page give SUB-406 (decision FID-19)."""

    status = 403
    error_code = "SUB-406"
    template = "Not allowed subscribe for events to extensions of other account"


class SubscriptionLimit(SubscriptionError):
    status = 403
    error_code = "SUB-505"
    template = "Subscriptions limit exceeded"
