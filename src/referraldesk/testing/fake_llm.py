"""A real chat-completions server on 127.0.0.1 that answers from a script.

Tests of anything that talks to an LLM (the LLM brain, the LLM analyzer) point
`ChatClient` at it instead of mocking the client, so the HTTP, the JSON and the
retries are exercised for real. It speaks `POST /v1/chat/completions` (and
`/chat/completions`), answers each request with the next scripted reply, and records
every request so a test can assert on the messages and tools it was sent.

    with FakeLLMServer() as server:
        server.script(tool_call_reply("lookup_patient", {...}), text_reply("Hello"))
        client = ChatClient(server.base_url, model="fake")
        ...
        assert server.requests[0].tool_names == [...]

A scripted reply may be a function of the request it answers, which lets a script
echo ids a real tool returned earlier in the conversation (see `RecordedRequest`).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")


@dataclass(frozen=True)
class Scripted:
    """One HTTP answer: a JSON body (dict) or raw bytes, sent after `delay_seconds`."""

    status: int = 200
    body: dict[str, Any] | bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_seconds: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received, decoded."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.body.get("tools", []))

    @property
    def tool_names(self) -> list[str]:
        return [tool["function"]["name"] for tool in self.tools]

    def tool_results(self, name: str) -> list[Any]:
        """The decoded contents of the `tool` messages answering calls to `name`, in order."""
        called = {
            call["id"]: call["function"]["name"]
            for message in self.messages
            for call in message.get("tool_calls") or []
        }
        return [
            _maybe_json(message.get("content"))
            for message in self.messages
            if message.get("role") == "tool" and called.get(message.get("tool_call_id")) == name
        ]

    def last_tool_result(self, name: str) -> Any:
        results = self.tool_results(name)
        return results[-1] if results else None


Responder = Scripted | Callable[[RecordedRequest], Scripted]


def completion(message: dict[str, Any], finish_reason: str = "stop") -> Scripted:
    """A 200 chat completion whose only choice is `message`."""
    return Scripted(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 0,
            "model": "fake-model",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }
    )


def text_reply(content: str) -> Scripted:
    """The assistant answers in plain text."""
    return completion({"role": "assistant", "content": content})


def json_reply(document: dict[str, Any]) -> Scripted:
    """The assistant answers with a JSON document as its content (response_format answers)."""
    return text_reply(json.dumps(document))


def tool_calls_reply(*calls: tuple[str, dict[str, Any] | str]) -> Scripted:
    """The assistant calls functions: `(name, arguments)`, arguments as a dict or raw text."""
    tool_calls = [
        {
            "id": f"call_{index}_{name}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
            },
        }
        for index, (name, arguments) in enumerate(calls)
    ]
    message = {"role": "assistant", "content": None, "tool_calls": tool_calls}
    return completion(message, finish_reason="tool_calls")


def tool_call_reply(name: str, arguments: dict[str, Any] | str) -> Scripted:
    """The assistant calls one function."""
    return tool_calls_reply((name, arguments))


def error_reply(
    status: int, message: str = "scripted failure", retry_after: float | None = None
) -> Scripted:
    """An OpenAI-style error body with `status` (and a Retry-After header if given)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    body = {"error": {"message": message, "type": "fake_error", "code": str(status)}}
    return Scripted(status=status, body=body, headers=headers)


def malformed_reply(raw: bytes = b"<html>upstream proxy error</html>") -> Scripted:
    """A 200 whose body is not a chat completion."""
    return Scripted(status=200, body=raw)


def slow_reply(seconds: float, then: Scripted | None = None) -> Scripted:
    """`then` (default: a text reply), held back `seconds`; cut short when the server stops."""
    answer = then or text_reply("sorry for the wait")
    return Scripted(
        status=answer.status, body=answer.body, headers=answer.headers, delay_seconds=seconds
    )


def _exhausted(request: RecordedRequest) -> Scripted:
    return error_reply(500, "the fake LLM's script is exhausted: script() more replies")


class FakeLLMServer:
    """The scripted server; start it with `with` (or `start()` / `stop()`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Responder] = deque()
        self._requests: list[RecordedRequest] = []
        self._fallback: Responder = _exhausted
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self.responder_errors: list[str] = []

    @property
    def root_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the fake LLM server is not started: use `with FakeLLMServer()`")
        return f"http://127.0.0.1:{self._httpd.server_port}"

    @property
    def base_url(self) -> str:
        """The API root to give `ChatClient` (`.../v1`)."""
        return f"{self.root_url}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """Scripted replies not yet sent."""
        with self._lock:
            return len(self._queue)

    def script(self, *replies: Responder) -> None:
        """Queue replies, each answering one request, in order."""
        with self._lock:
            self._queue.extend(replies)

    def always(self, reply: Responder) -> None:
        """The answer once the queue is empty (by default: a 500 saying so)."""
        with self._lock:
            self._fallback = reply

    def start(self) -> FakeLLMServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler, fake=self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        # Wakes any reply still being held back, so no handler outlives the server.
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _answer(self, request: RecordedRequest) -> Scripted:
        with self._lock:
            self._requests.append(request)
            responder = self._queue.popleft() if self._queue else self._fallback
        if isinstance(responder, Scripted):
            return responder
        try:
            return responder(request)
        except Exception as exc:  # reported to the test, not raised in the server thread
            self.responder_errors.append(f"{type(exc).__name__}: {exc}")
            return error_reply(500, f"the scripted responder failed: {exc}")

    def _hold(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        fake: FakeLLMServer,
    ):
        super().__init__(address, handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up on a slow reply is the point of some tests, not an error.
        return


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # An idle keep-alive connection is dropped after this, so handler threads end.
    timeout = 5

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path not in CHAT_PATHS:
            self._send(error_reply(404, f"no route {self.path}; use {CHAT_PATHS[0]}"))
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send(error_reply(400, "the request body is not JSON"))
            return
        request = RecordedRequest(path=self.path, headers=dict(self.headers.items()), body=body)
        answer = self.server.fake._answer(request)
        if answer.delay_seconds:
            self.server.fake._hold(answer.delay_seconds)
        self._send(answer)

    def _send(self, answer: Scripted) -> None:
        payload = (
            answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        )
        content_type = "application/json" if isinstance(answer.body, dict) else "text/html"
        headers = {"Content-Type": content_type, "Content-Length": str(len(payload))}
        head = [f"HTTP/1.1 {answer.status} {_reason(answer.status)}"]
        head += [f"{name}: {value}" for name, value in (headers | answer.headers).items()]
        # One write for head and body: two small writes meet Nagle's algorithm and the
        # client's delayed ACK, and every request would stall some 40 ms.
        message = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload
        try:
            self.wfile.write(message)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (its timeout passed); nobody is left to answer.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        return


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Scripted"


def _maybe_json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
