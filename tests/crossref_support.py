"""A local Crossref for the tests: a threaded pytest-httpserver and our fixture files.

Test modules import the `crossref` fixture from here; no test ever reaches the network.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

FIXTURES = Path(__file__).resolve().parent / "crossref"
BLOOD_DOI = "10.1182/blood.2023022922"
MALARD = "Malard F, Mohty M. Acute lymphoblastic leukaemia. Lancet. 2020;395(10230):1146-62."
MALARD_TRAP = "Malard F, Mohty M. Acute lymphoblastic leukaemia. Lancet. 2019;393(10168):2011-20."


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> dict:
    return json.loads(fixture_text(name))


class Gauge:
    """Counts requests in flight and when each one started."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.starts: list[float] = []

    def wrap(self, handler, delay: float = 0.0):
        def run(request):
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
                self.starts.append(time.monotonic())
            try:
                if delay:
                    time.sleep(delay)
                return handler(request)
            finally:
                with self.lock:
                    self.now -= 1

        return run


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    text = body if isinstance(body, str) else json.dumps(body)
    return Response(text, status=status, headers=headers or {}, content_type="application/json")


@pytest.fixture(scope="session")
def _server():
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def crossref(_server):
    """The local server, emptied for each test; `crossref.url_for("")` is its base URL."""
    _server.clear()
    yield _server
    _server.clear()


def serve_standard(server) -> None:
    """Answers for the Blood DOI, the Malard candidate list, and 404 for everything else."""
    server.expect_request(f"/works/{BLOOD_DOI}").respond_with_data(
        fixture_text("works-blood.2023022922.json"), content_type="application/json")
    server.expect_request("/works").respond_with_data(
        fixture_text("query-acute-lymphoblastic-leukaemia.json"), content_type="application/json")
    server.expect_request("/works/10.5555/refmill.malard2020").respond_with_json(
        {"status": "ok", "message-type": "work",
         "message": fixture_json("query-acute-lymphoblastic-leukaemia.json")["message"]["items"][0]})
    server.no_handler_status_code = 404


def requests_to(server, path_start: str) -> list:
    return [req for req, _ in server.log if req.path.startswith(path_start)]
