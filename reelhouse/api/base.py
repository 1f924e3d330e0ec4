"""The public API's frame: who is asking (a device's bearer token or the web app's session), JSON errors with stable
codes, the rate limit, and pages of lists. Handlers in the routers only translate HTTP to selector and service
calls; every access rule lives in those (the same ones the web views call)."""

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from csp.decorators import csp_update
from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from reelhouse.accounts.devicegrant import device_for_token
from reelhouse.accounts.models import Device, Profile, User
from reelhouse.core import throttle

API_REQUESTS = throttle.Rule("api-credential", "REELHOUSE_API_REQUESTS_PER_MINUTE", 60, 60)
API_BAD_TOKENS = throttle.Rule("api-bad-token", "REELHOUSE_API_BAD_TOKENS_PER_CLIENT", 15 * 60, 15 * 60)


class ApiError(Exception):
    """A refusal the client can act on: HTTP status, a stable machine code, a sentence for a person."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: an account, exactly one of its profiles, and the device when a token signed it in."""

    user: User
    profile: Profile
    device: Device | None = None

    @property
    def country(self) -> str:
        return self.user.country

    @property
    def device_key(self) -> str:
        """The playback device id: a token's device is one device (playing again there takes its stream over)."""
        return f"api-device-{self.device.pk:012d}" if self.device is not None else ""


def _rate_limited(key: str) -> None:
    verdict = throttle.attempt(API_REQUESTS, key)
    if not verdict.allowed:
        raise ApiError(429, "rate_limited", f"Too many requests; try again in {verdict.retry_after_s} seconds.")


class DeviceToken(HttpBearer):
    """`Authorization: Bearer rhd_...`: a device signed in with a code (RFC 8628), scoped to one profile. A revoked
    device's token fails on its next request (device_for_token reads the device on every call)."""

    openapi_scheme = "bearer"

    def authenticate(self, request, token: str) -> Principal | None:
        device = device_for_token(token)
        if device is None:
            verdict = throttle.attempt(API_BAD_TOKENS, throttle.client_address(request))
            if not verdict.allowed:
                raise ApiError(429, "rate_limited", f"Too many bad tokens from this address; try again in "
                                                    f"{verdict.retry_after_s} seconds.")
            return None
        _rate_limited(f"device:{device.pk}")
        return Principal(user=device.user, profile=device.profile, device=device)


class WebSession(APIKeyCookie):
    """The web app's own calls: the signed-in session and its active profile. Writes are CSRF-checked (the
    X-CSRFToken header, as Django's forms do)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None  # nothing to protect: fall through to "unauthenticated", not a CSRF refusal
        return super()._get_key(request)  # raises HttpError(403) on a write without a valid CSRF token

    def authenticate(self, request, key) -> Principal | None:
        if key is None or not request.user.is_authenticated:
            return None
        profile = getattr(request, "profile", None)
        if profile is None:
            raise ApiError(409, "profile_required", "Choose who is watching (a profile) on the web first.")
        _rate_limited(f"user:{request.user.pk}")
        return Principal(user=request.user, profile=profile)


AUTH = [DeviceToken(), WebSession()]


def principal(request) -> Principal:
    return request.auth


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[dict[str, Any]] | None = None


# Every operation declares these, so a client (and schemathesis) knows each error's shape.
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}

T = TypeVar("T")


class Page(Schema, Generic[T]):
    count: int
    page: int
    pages: int
    items: list[T]


def page_of(page_obj, items: list) -> dict:
    return {"count": page_obj.paginator.count, "page": page_obj.number, "pages": page_obj.paginator.num_pages,
            "items": items}


# The docs page is ninja's Swagger UI from our own static files (with "ninja" installed: no CDN, its settings in a
# JSON block read by a script file, so no inline script); its stylesheet's icons are data: images.
api = NinjaAPI(title="Reelhouse API", version="1", urls_namespace="api_v1", auth=AUTH, docs_url="/docs",
               docs_decorator=csp_update({"img-src": ["data:"]}),
               description="The subscriber API of Reelhouse: catalog, my list, progress, playback, downloads. "
                           "Sign a device in with the device authorization grant (RFC 8628) at /device/code and "
                           "/device/token, then send `Authorization: Bearer <access_token>`. See docs/api.md.")


def _error(request, status: int, code: str, message: str, errors=None, headers: dict | None = None):
    body = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    response = api.create_response(request, body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    return response


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return _error(request, exc.status, exc.code, exc.message,
                  headers={"Retry-After": "60"} if exc.status == 429 else None)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, 401, "unauthenticated",
                  "Sign in: send a device's bearer token (see /device/code) or use the web app's session.",
                  headers={"WWW-Authenticate": 'Bearer realm="reelhouse"'})


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))} for e in exc.errors]
    return _error(request, 422, "invalid_request",
                  "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors) or "invalid request", errors)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 403 and "CSRF" in str(exc):
        return _error(request, 403, "csrf_failed", "This write needs the X-CSRFToken header of the web session.")
    if exc.status_code == 400:  # ninja's "Cannot parse request body": not JSON at all
        return _error(request, 400, "malformed_body", f"{exc}: send a JSON object.")
    return _error(request, exc.status_code, "http_error", str(exc))


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", str(exc) or "Not found.")


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", what)
