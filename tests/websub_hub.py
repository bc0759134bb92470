"""A WebSub hub on 127.0.0.1 for the tests (W3C WebSub §5, §7, §8): it
takes subscription requests, verifies each subscriber's intent with a GET
and a challenge, and delivers content to the verified ones, signed with
their secret (or not, or wrongly, when a test asks)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hub:
    def __init__(self, grant_lease: int | None = None):
        self.grant_lease = grant_lease  # the lease it grants, in seconds; None: what was asked
        self.requests: list[dict[str, str]] = []  # every subscription request, as received
        self.active: dict[tuple[str, str], str] = {}  # (topic, callback) -> secret, once verified
        self.verifications: list[tuple[str, int]] = []  # (callback, status of its answer)
        self._lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                with hub._lock:
                    hub.requests.append(form)
                self.send_response(202)  # §5.1: accepted; the verification follows
                self.send_header("Content-Length", "0")
                self.end_headers()
                threading.Thread(target=hub._verify, args=(form,), daemon=True).start()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _verify(self, form: dict[str, str]) -> None:
        challenge = secrets.token_hex(8)
        lease = str(self.grant_lease) if self.grant_lease is not None else form.get("hub.lease_seconds", "600")
        query = urllib.parse.urlencode({"hub.mode": form["hub.mode"], "hub.topic": form["hub.topic"],
                                        "hub.challenge": challenge, "hub.lease_seconds": lease})
        callback = form["hub.callback"]
        try:
            with urllib.request.urlopen(f"{callback}?{query}", timeout=10) as answer:
                status, body = answer.status, answer.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, ""
        except OSError:  # nobody at the callback
            status, body = 0, ""
        with self._lock:
            self.verifications.append((callback, status))
            if status == 200 and body == challenge:  # §5.3.1: the challenge echoed, nothing else
                self.active[(form["hub.topic"], callback)] = form.get("hub.secret", "")

    def wait_active(self, topic: str, timeout: float = 30) -> str:
        """The callback of the first verified subscription to ``topic``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for (t, callback) in self.active:
                    if t == topic:
                        return callback
            time.sleep(0.1)
        raise AssertionError(f"no verified subscription to {topic} within {timeout} s; requests: {self.requests}")

    def publish(self, topic: str, body: bytes, content_type: str = "application/rss+xml",
                secret: str | None = None, signed: bool = True) -> list[int]:
        """Deliver ``body`` to every verified subscriber of ``topic`` (§7),
        signed with its secret (or ``secret``); their answers' statuses."""
        with self._lock:
            targets = [(cb, s) for (t, cb), s in self.active.items() if t == topic]
        statuses = []
        for callback, own_secret in targets:
            headers = {"Content-Type": content_type}
            if signed:
                digest = hmac.new((secret if secret is not None else own_secret).encode(), body, hashlib.sha256)
                headers["X-Hub-Signature"] = "sha256=" + digest.hexdigest()
            request = urllib.request.Request(callback, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
        return statuses

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
