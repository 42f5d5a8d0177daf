"""HTTP API for deployment profiles (CONTRACT §5, issue 5), kept as JSON blobs in `profiles/`.

A profile is a DeploymentSpec without `image`, plus `imageDefinition` and `enabled` (and
`deployExcludedFromLatest`). The body of `PUT /api/profiles/{name}` is the profile itself; `GET`
returns it as stored (validated and with its defaults filled in, so it can be PUT back as is) with
its `ETag`. Writes honour `If-Match` (412 `PreconditionFailed` when the profile changed since it was
read, or is gone) and `If-None-Match: *` (create only; 412 when it exists).

`GET /api/profiles` answers `{"value": [{"profileName", "etag", "profile"}]}`, by name: the profile's
own `name` field is the scale set base name, so the profile's name sits beside the document.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from domain.spec import SpecError, parse_profile
from gateway.clients import get_clients
from gateway.errors import PreconditionFailed
from gateway.storage import ProfileStore
from triggers.http import error_response, json_response, origin, read_json

bp = df.Blueprint()
logger = logging.getLogger("vmss_bluegreen.profiles")

PROFILE_NAME_MAX = 63
_PROFILE_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62})", re.ASCII)


def profile_name_problem(name: object) -> str | None:
    """Why `name` cannot name a profile (it becomes the blob `profiles/<name>.json`), or None."""
    if not isinstance(name, str) or not name:
        return "a profile name is required"
    if len(name) > PROFILE_NAME_MAX:
        return f"a profile name is at most {PROFILE_NAME_MAX} characters"
    if not _PROFILE_NAME.fullmatch(name):
        return ("a profile name starts with a letter or digit and holds only ASCII letters, digits, "
                "'-' and '_'")
    return None


def profile_path(name: str) -> str:
    return f"/api/profiles/{name}"


def etag_header(etag: str) -> str:
    """ETags travel quoted (RFC 9110); the storage SDK already quotes them, Azurite too."""
    etag = etag.strip()
    return etag if etag.startswith('"') or etag.startswith("W/") else f'"{etag}"'


def write_conditions(headers: Any) -> tuple[str | None, bool, str | None]:
    """(if_match, create_only, problem) from the request's If-Match / If-None-Match headers."""
    if_match = (headers.get("If-Match") or headers.get("if-match") or "").strip() or None
    if_none_match = (headers.get("If-None-Match") or headers.get("if-none-match") or "").strip() or None
    if if_none_match is not None and if_none_match != "*":
        return None, False, "If-None-Match is only supported as '*' (create only)"
    if if_match is not None and if_none_match is not None:
        return None, False, "If-Match and If-None-Match cannot be combined"
    if if_match is not None and "," in if_match:
        return None, False, "If-Match must name one ETag (or '*')"
    return if_match, if_none_match == "*", None


@lru_cache(maxsize=1)
def _store() -> ProfileStore:
    return ProfileStore(get_clients().blob_service())


def _bad_name(name: str) -> func.HttpResponse | None:
    problem = profile_name_problem(name)
    if problem is None:
        return None
    return error_response(400, "InvalidProfileName", f"Invalid profile name [{name}]: {problem}.",
                          [{"field": "name", "message": problem}])


def _not_found(name: str) -> func.HttpResponse:
    return error_response(404, "ProfileNotFound", f"Profile [{name}] was not found.")


def _precondition_failed(name: str, exc: Exception) -> func.HttpResponse:
    return error_response(412, "PreconditionFailed",
                          f"Profile [{name}] was not written: {exc}. Read it again (GET returns its current "
                          "ETag) and retry with that ETag in If-Match.")


def _document(req: func.HttpRequest, name: str, doc: dict[str, Any], etag: str, status: int) -> func.HttpResponse:
    headers = {"ETag": etag_header(etag)}
    if status == 201:
        headers["Location"] = origin(req) + profile_path(name)
    return json_response(doc, status, headers=headers)


@bp.route(route="profiles/{name}", methods=["PUT"], auth_level=func.AuthLevel.FUNCTION)
def put_profile(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    bad = _bad_name(name)
    if bad:
        return bad
    if_match, create_only, problem = write_conditions(req.headers)
    if problem:
        return error_response(400, "InvalidCondition", problem, [{"field": "headers", "message": problem}])
    payload, invalid = read_json(req)
    if invalid:
        return invalid
    try:
        profile = parse_profile(payload)
    except SpecError as exc:
        return error_response(400, "InvalidProfile", str(exc), exc.details)
    doc = profile.to_json()
    store = _store()
    try:
        if if_match is not None or create_only:
            etag = store.put(name, doc, if_match=if_match, if_none_match=create_only)
            status = 201 if create_only else 200
        else:
            try:  # an unconditional PUT still says whether it created (201) or replaced (200)
                etag, status = store.put(name, doc, if_none_match=True), 201
            except PreconditionFailed:
                etag, status = store.put(name, doc), 200
    except PreconditionFailed as exc:
        return _precondition_failed(name, exc)
    logger.info("Profile [%s] %s (image definition %s, enabled %s)", name,
                "created" if status == 201 else "replaced", profile.image_definition, profile.enabled)
    return _document(req, name, doc, etag, status)


@bp.route(route="profiles/{name}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def get_profile(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    bad = _bad_name(name)
    if bad:
        return bad
    found = _store().get(name)
    if found is None:
        return _not_found(name)
    doc, etag = found
    return _document(req, name, doc, etag, 200)


@bp.route(route="profiles/{name}", methods=["DELETE"], auth_level=func.AuthLevel.FUNCTION)
def delete_profile(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params.get("name", "")
    bad = _bad_name(name)
    if bad:
        return bad
    if_match, _create_only, problem = write_conditions(req.headers)
    if problem or _create_only:
        message = problem or "If-None-Match does not apply to DELETE"
        return error_response(400, "InvalidCondition", message, [{"field": "headers", "message": message}])
    try:
        deleted = _store().delete(name, if_match=if_match)
    except PreconditionFailed as exc:
        return _precondition_failed(name, exc)
    if not deleted:
        return _not_found(name)
    logger.info("Profile [%s] deleted", name)
    return func.HttpResponse(status_code=204)


@bp.route(route="profiles", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def list_profiles(req: func.HttpRequest) -> func.HttpResponse:
    entries = _store().list()
    value = [{"profileName": name, "etag": etag_header(etag), "profile": doc} for name, doc, etag in entries]
    return json_response({"value": value})
