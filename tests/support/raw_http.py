"""Raw HTTP against a live desk server, as a counter PC (or an attacker with its network access) sends it."""

from __future__ import annotations

import json

import httpx
from server_support import LiveServer

from desk_app.api.pinning import pinned_context
from desk_app.api.protocol import API_PREFIX, PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.support.passwords import PASSWORD


class Raw:
    """httpx on the server with the pinned certificate; no client library, just requests."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, verify=pinned_context(server.certificate), timeout=30)

    def sign_in(self, username: str, password: str = PASSWORD) -> str:
        response = self.post("/sign-in", {"username": username, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    def post(self, path: str, body: object, token: str | None = None,
             protocol: str | None = str(PROTOCOL_VERSION)) -> httpx.Response:
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if protocol is not None:
            headers[PROTOCOL_HEADER] = protocol
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.post(API_PREFIX + path, content=json.dumps(body).encode(), headers=headers)


def refused(response: httpx.Response, status: int, kind: str) -> str:
    """The message of the typed error ``kind`` that ``response`` refuses with, after checking its HTTP ``status``."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["kind"] == kind
    assert error["message"]
    return str(error["message"])
