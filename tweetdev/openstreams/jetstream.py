"""A local Jetstream: ``/subscribe`` over WebSocket with ``wantedCollections``, ``cursor`` replay and ``compress``.

The server keeps an event log (each entry has its ``time_us``; ``publish`` appends, stamping a ``time_us`` one
``step_us`` after the last). A connection starts at ``cursor`` (every entry with ``time_us >= cursor``) or, with
no cursor, at the log's end (live tail), sends what it has, then waits for more. ``wantedCollections`` filters
commit events by collection (identity and account events always go out). With ``compress=true`` every frame is
binary, zstd-compressed with the server's dictionary (:attr:`FakeJetstream.dictionary`, raw content here).

Faults, per connection in order (``script``): drop after N frames (the TCP socket closed with no close frame),
close cleanly with a code after N frames, reject the handshake with an HTTP status; ``delay`` slows every frame;
``restart()`` stops the listener and serves again on the same port with the same log. Frames in the log can
be raw text or bytes (malformed on purpose); such entries carry the time of the event before them.
"""
from __future__ import annotations

import bisect
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import zstandard
from websockets.http11 import Response
from websockets.sync.server import Server, ServerConnection, serve

from tweetdev.fakehttp import FakeServer

POST = "app.bsky.feed.post"


@dataclass(frozen=True)
class Conn:
    """What the next connection does: ``drop_after``/``close_after`` N frames (None: never), or ``reject``."""

    drop_after: int | None = None
    close_after: int | None = None
    close_code: int = 1011
    reject: int | None = None


@dataclass(frozen=True)
class Entry:
    time_us: int
    payload: str | bytes
    collection: str | None
    kind: str


def post_event(n: int, *, did: str | None = None, text: str | None = None, tags: tuple[str, ...] = (),
               facet_tags: tuple[str, ...] = (), langs: tuple[str, ...] = ("en",), time_us: int = 0) -> dict[str, Any]:
    """A Jetstream commit event creating a post; ``facet_tags`` get ``#tag`` facets with UTF-8 byte offsets."""
    did = did or f"did:plc:user{n % 97:04d}"
    body = text if text is not None else f"post number {n} about openstack & kafka <3"
    facets = []
    for tag in facet_tags:
        body += f" #{tag}"
        end = len(body.encode("utf-8"))
        start = end - len(f"#{tag}".encode("utf-8"))
        facets.append({"index": {"byteStart": start, "byteEnd": end},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]})
    record: dict[str, Any] = {"$type": POST, "createdAt": "2026-11-30T12:00:00.000Z", "langs": list(langs), "text": body}
    if facets:
        record["facets"] = facets
    if tags:
        record["tags"] = list(tags)
    return {"did": did, "time_us": time_us, "kind": "commit",
            "commit": {"rev": f"3lrev{n:08d}", "operation": "create", "collection": POST, "rkey": f"3k{n:011d}",
                       "record": record, "cid": f"bafyrei{n:020d}"}}


def go_json(event: dict[str, Any]) -> str:
    """JSON the way Jetstream (Go's encoding/json) writes it: compact, UTF-8, with ``<``, ``>`` and ``&`` escaped."""
    text = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class FakeJetstream(FakeServer):
    """Use as a context manager; ``url`` is ``ws://127.0.0.1:<port>``."""

    def __init__(self, *, start_us: int = 1_764_000_000_000_000, step_us: int = 1_000_000, delay: float = 0.0,
                 port: int = 0) -> None:
        self.log: list[Entry] = []
        self.times: list[int] = []
        self.next_us = start_us
        self.step_us = step_us
        self.delay = delay
        self.script: list[Conn] = []
        self.requests: list[dict[str, list[str]]] = []
        self.connections = 0
        self.frames_sent = 0
        self.caught_up = threading.Event()  # set whenever a connection has sent the whole log and waits for more
        self.cond = threading.Condition()
        self.stopping = threading.Event()
        samples = [json.dumps(post_event(i, facet_tags=("rust",))).encode() for i in range(50)]
        self.dictionary = b"".join(samples)[:16384]
        self._zdict = zstandard.ZstdCompressionDict(self.dictionary, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        self._port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._port}"

    def start(self) -> None:
        self.stopping.clear()
        self._server = serve(self._handle, "127.0.0.1", self._port, process_request=self._process_request,
                             compression=None, max_size=2**20)
        self._port = self._server.socket.getsockname()[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-jetstream", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.stopping.set()
        with self.cond:
            self.cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def restart(self, down_for: float = 0.0) -> None:
        """Stop listening (every connection dies), wait, serve again on the same port with the same log."""
        self.close()
        time.sleep(down_for)
        self.start()

    # the log ---------------------------------------------------------------------------------------
    def publish(self, event: dict[str, Any] | str | bytes) -> int:
        """Append an event (a dict gets the next ``time_us``) or a raw frame; returns its ``time_us``."""
        with self.cond:
            if isinstance(event, dict):
                t = self.next_us
                self.next_us += self.step_us
                event = {**event, "time_us": t}
                commit = event.get("commit")
                collection = commit.get("collection") if isinstance(commit, dict) else None
                entry = Entry(t, go_json(event), collection, str(event.get("kind")))
            else:
                t = self.times[-1] if self.times else self.next_us - self.step_us
                entry = Entry(t, event, None, "raw")
            self.log.append(entry)
            self.times.append(t)
            self.cond.notify_all()
            return t

    def add_connection(self, *conns: Conn) -> None:
        with self.cond:
            self.script.extend(conns)

    # the server ------------------------------------------------------------------------------------
    def _process_request(self, connection: ServerConnection, request: Any) -> Response | None:
        parts = urlsplit(request.path)
        with self.cond:
            self.requests.append(parse_qs(parts.query))
            conn = self.script[0] if self.script else None
            if conn is not None and conn.reject is not None:
                self.script.pop(0)
                return connection.respond(conn.reject, "rejected\n")
        if parts.path != "/subscribe":
            return connection.respond(404, "not found\n")
        return None

    def _handle(self, ws: ServerConnection) -> None:
        query = parse_qs(urlsplit(ws.request.path).query)
        wanted = set(query.get("wantedCollections", []))
        compress = query.get("compress", ["false"])[0] == "true"
        zc = zstandard.ZstdCompressor(dict_data=self._zdict) if compress else None
        with self.cond:
            self.connections += 1
            conn = self.script.pop(0) if self.script else Conn()
            if "cursor" in query:
                pos = bisect.bisect_left(self.times, int(query["cursor"][0]))
            else:
                pos = len(self.log)
        sent = 0
        try:
            while not self.stopping.is_set():
                with self.cond:
                    while pos >= len(self.log) and not self.stopping.is_set():
                        self.caught_up.set()
                        self.cond.wait(0.2)
                    if self.stopping.is_set():
                        return
                    entry = self.log[pos]
                pos += 1
                if entry.kind == "commit" and wanted and entry.collection not in wanted:
                    continue
                if conn.drop_after is not None and sent >= conn.drop_after:
                    ws.close_socket()  # abrupt: no close frame
                    return
                if conn.close_after is not None and sent >= conn.close_after:
                    ws.close(conn.close_code, "going away")
                    return
                payload = entry.payload
                if zc is not None and isinstance(payload, str):
                    payload = zc.compress(payload.encode("utf-8"))
                ws.send(payload)
                sent += 1
                with self.cond:
                    self.frames_sent += 1
                if self.delay:
                    time.sleep(self.delay)
        except Exception:  # the client went away
            return
