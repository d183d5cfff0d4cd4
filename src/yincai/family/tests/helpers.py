"""Builders for family tests (inside each test's transaction; the personas stay untouched)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.test import Client

from tests.personas import Personas
from tests.urlparams import PNG_1X1
from yincai.school.models import Staff

__all__ = ["PNG_1X1", "Receiver", "client_for", "free_port", "receiver", "staff"]


def staff(name: str) -> Staff:
    return Staff.objects.get(user__username=name)


def client_for(personas: Personas, name: str) -> Client:
    c = Client()
    c.force_login(personas.users[name])
    return c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """A local stand-in for the 企业微信 robot: records JSON bodies, answers {"errcode": 0}."""

    def __init__(self, port: int, delay: float = 0.0) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.delay = delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if outer.delay:
                    time.sleep(outer.delay)
                outer.bodies.append({"content_type": self.headers.get("Content-Type"), "json": json.loads(body)})
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up (timeout)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=test"

    def start(self) -> None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def receiver(port: int | None = None, delay: float = 0.0) -> Iterator[Receiver]:
    r = Receiver(port or free_port(), delay)
    r.start()
    try:
        yield r
    finally:
        r.stop()
