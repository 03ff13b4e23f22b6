"""The app behind a WSGI callable, so a WSGI client (schemathesis' own) calls its routes
through Chalice's local API Gateway, the same path chalice.test.Client takes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit

# What API Gateway answers for a method a path does not have.
NO_SUCH_METHOD = b'{"message":"Missing Authentication Token"}'


def _status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"


def wsgi_app(client: Any) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI application answering with `client.http` (a chalice.test.Client)."""

    from chalice.local import RouteMatcher

    from chalicelib.http import PUBLIC_ROUTES as public

    app = client.http._app
    matcher = RouteMatcher(list(app.routes))

    def entry(method: str, target: str) -> Any:
        """The route entry, or False for a method the path does not have, None for an unknown path."""
        try:
            route = matcher.match_route(urlsplit(target).path).route
        except ValueError:
            return None  # chalice answers an unknown path itself
        return app.routes[route].get(method, False)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items()
                   if key.startswith("HTTP_")}
        raw = environ.get("RAW_URI") or quote(environ.get("PATH_INFO", "/").encode("latin-1"),
                                              safe="/:@!$&'()*+,;=-._~")
        raw = raw.partition("?")[0]
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        route = entry(environ["REQUEST_METHOD"], raw)
        # API Gateway answers these before the function runs: a method the path lacks, and
        # a protected route called without credentials (the local run has no authorizer).
        if route is False or (route is not None and route.uri_pattern not in public and "authorization" not in headers):
            start_response("403 Forbidden", [("Content-Type", "application/json")])
            return [NO_SUCH_METHOD]
        response = client.http.request(environ["REQUEST_METHOD"], raw, headers=headers, body=body)
        headers = dict(response.headers)
        # API Gateway's proxy integration answers application/json when the function
        # names no type (Chalice leaves it out for JSON bodies and errors).
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        start_response(_status(response.status_code), [(k, str(v)) for k, v in headers.items()])
        return [response.body or b""]

    return application
