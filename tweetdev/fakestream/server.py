"""The fake X API server: the rules endpoints and the scripted filtered stream (see the package docstring)."""
from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tweetdev.fakehttp import FakeServer, StreamingHandler

from .script import Block, Drop, End, Hold, KeepAlive, Page, Raw, Status, Step

RULES_PATH = "/2/tweets/search/stream/rules"
STREAM_PATH = "/2/tweets/search/stream"


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    authorized: bool
    body: Any = None


class FakeXApi(FakeServer):
    """The fake server. Use as a context manager; ``base_url`` is ``http://127.0.0.1:<port>``."""

    def __init__(self, token: str, *, max_rule_length: int = 512, max_rules: int = 25) -> None:
        self.token = token
        self.max_rule_length = max_rule_length
        self.max_rules = max_rules
        self.rules: dict[str, dict] = {}
        self.requests: list[RecordedRequest] = []
        self.stream_connections = 0
        self.scripts: deque[list[Step]] = deque()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.client_gone = threading.Event()
        self.holding = threading.Event()  # set when a connection reaches a Hold step
        self._ids = itertools.count(1_600_000_000_000_000_000)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-x-api", daemon=True)

    # lifecycle
    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeXApi":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # test helpers
    def add_connection(self, *steps: Step) -> None:
        """Queue the script of the next stream connection."""
        with self.lock:
            self.scripts.append(list(steps))

    def seed_rule(self, value: str, tag: str | None = None) -> str:
        """Put a rule on the stream as if another client had added it; returns its id."""
        with self.lock:
            rid = str(next(self._ids))
            rule = {"id": rid, "value": value}
            if tag is not None:
                rule["tag"] = tag
            self.rules[rid] = rule
            return rid

    def stream_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == STREAM_PATH]

    # rule endpoint logic
    def list_rules(self, ids: list[str] | None) -> dict:
        with self.lock:
            rules = [r for r in self.rules.values() if ids is None or r["id"] in ids]
        meta = {"sent": _now(), "result_count": len(rules)}
        return {"data": rules, "meta": meta} if rules else {"meta": meta}

    def change_rules(self, body: dict, dry_run: bool) -> tuple[int, dict]:
        if not isinstance(body, dict) or ("add" in body) == ("delete" in body):
            return 400, _problem("Invalid Request", "One or more parameters to your request was invalid.")
        with self.lock:
            if "delete" in body:
                ids = [str(i) for i in body["delete"].get("ids", [])]
                found = [i for i in ids if i in self.rules]
                errors = [{"parameters": {"ids": [i]}, "message": f"Rule {i} not found", "title": "Not Found",
                           "type": "https://api.twitter.com/2/problems/resource-not-found"}
                          for i in ids if i not in self.rules]
                if not dry_run:
                    for i in found:
                        del self.rules[i]
                out = {"meta": {"sent": _now(), "summary": {"deleted": len(found),
                                                              "not_deleted": len(ids) - len(found)}}}
                if errors:
                    out["errors"] = errors
                return 200, out
            adds = body["add"]
            invalid = []
            for rule in adds:
                value = rule.get("value", "")
                if not value or len(value) > self.max_rule_length:
                    invalid.append({"value": value, "details": [
                        f"Rule must be non-empty and no longer than {self.max_rule_length} characters"],
                        "title": "UnprocessableEntity",
                        "type": "https://api.twitter.com/2/problems/invalid-rules"})
            if invalid:
                return 400, {"errors": invalid, "title": "Invalid Request",
                             "detail": "One or more parameters to your request was invalid.",
                             "type": "https://api.twitter.com/2/problems/invalid-request"}
            existing = {r["value"]: r["id"] for r in self.rules.values()}
            created, errors = [], []
            for rule in adds:
                if rule["value"] in existing:
                    errors.append({"value": rule["value"], "id": existing[rule["value"]],
                                   "title": "DuplicateRule",
                                   "type": "https://api.twitter.com/2/problems/duplicate-rules"})
                    continue
                new = {"id": str(next(self._ids)), "value": rule["value"]}
                if "tag" in rule:
                    new["tag"] = rule["tag"]
                created.append(new)
                existing[new["value"]] = new["id"]
            if len(self.rules) + len(created) > self.max_rules:
                return 403, _problem(
                    "RulesCapExceeded", f"You have exceeded the maximum number of rules ({self.max_rules}).")
            if not dry_run:
                for new in created:
                    self.rules[new["id"]] = new
            summary = {"created": len(created) if not dry_run else 0,
                       "not_created": len(adds) - len(created) if not dry_run else len(errors),
                       "valid": len(created), "invalid": len(errors)}
            out = {"meta": {"sent": _now(), "summary": summary}}
            if created:
                out["data"] = created
            if errors:
                out["errors"] = errors
            return 200, out

    def fill_matching(self, step: Page) -> dict:
        page = dict(step.page)
        if step.matching_tag is not None:
            with self.lock:
                page["matching_rules"] = [{"id": r["id"], "tag": r.get("tag", "")}
                                          for r in self.rules.values() if r.get("tag") == step.matching_tag]
        return page


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _problem(title: str, detail: str, status: int | None = None) -> dict:
    out = {"title": title, "detail": detail, "type": "about:blank"}
    if status is not None:
        out["status"] = status
    return out


def _make_handler(api: FakeXApi) -> type[BaseHTTPRequestHandler]:
    class Handler(StreamingHandler):
        # plumbing
        def _send_json(self, code: int, obj: dict, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(payload)

        def _record(self, body: Any = None) -> RecordedRequest:
            url = urlsplit(self.path)
            authorized = self.headers.get("Authorization") == f"Bearer {api.token}"
            req = RecordedRequest(self.command, url.path, parse_qs(url.query), authorized, body)
            with api.lock:
                api.requests.append(req)
            return req

        def _unauthorized(self) -> None:
            self._send_json(401, _problem("Unauthorized", "Unauthorized", 401))

        # verbs
        def do_GET(self) -> None:
            req = self._record()
            if not req.authorized:
                return self._unauthorized()
            if req.path == RULES_PATH:
                ids = req.query.get("ids")
                ids = ids[0].split(",") if ids else None
                return self._send_json(200, api.list_rules(ids))
            if req.path == STREAM_PATH:
                return self._stream()
            self._send_json(404, _problem("Not Found Error", f"no route {req.path}"))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = None
            req = self._record(body)
            if not req.authorized:
                return self._unauthorized()
            if req.path != RULES_PATH:
                return self._send_json(404, _problem("Not Found Error", f"no route {req.path}"))
            dry_run = req.query.get("dry_run", ["false"])[0].lower() == "true"
            code, out = api.change_rules(body, dry_run)
            self._send_json(code, out)

        # the stream
        def _stream(self) -> None:
            with api.lock:
                api.stream_connections += 1
                script = api.scripts.popleft() if api.scripts else [Hold()]
            if script and isinstance(script[0], Status):
                st = script[0]
                headers = {}
                if st.reset_in is not None:
                    headers["x-rate-limit-reset"] = str(int(time.time() + st.reset_in))
                self._send_json(st.code, st.body or _problem("Error", f"status {st.code}", st.code), headers)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for step in script:
                    if api.stopping.is_set():
                        break
                    if isinstance(step, Page):
                        self.send_chunk(json.dumps(api.fill_matching(step)).encode() + b"\r\n")
                    elif isinstance(step, Raw):
                        self.send_chunk(step.line + b"\r\n")
                    elif isinstance(step, Block):
                        self.send_chunk(step.data)
                    elif isinstance(step, KeepAlive):
                        for _ in range(step.count):
                            self.send_chunk(b"\r\n")
                    elif isinstance(step, Drop):
                        self.wfile.write(b"200\r\n{\"data\": {\"id\": \"")
                        self.wfile.flush()
                        self.cut()
                        return
                    elif isinstance(step, End):
                        break
                    elif isinstance(step, Hold):
                        self._hold(step)
                        return
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                self.close_connection = True
            except OSError:  # the client went away
                self.close_connection = True
                api.client_gone.set()

        def _hold(self, step: Hold) -> None:
            deadline = time.monotonic() + step.seconds
            api.holding.set()
            try:
                while time.monotonic() < deadline and not api.stopping.is_set():
                    self.send_chunk(b"\r\n")
                    time.sleep(step.interval)
            except OSError:
                api.client_gone.set()
            self.close_connection = True
            self.cut()


    return Handler
