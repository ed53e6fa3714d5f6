"""The one outbound client for any OpenAI-compatible chat-completions endpoint.

Timeouts, retries and the test seam live here and nowhere else: the LLM brain and
the LLM analyzer both talk through `ChatClient`. Only what is safe to repeat is
retried: a connection that never reached the server, a 429 and a 5xx, with
exponential back-off and jitter, never past the time the call was given.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from referraldesk.llm.errors import (
    LLMError,
    LLMMalformedResponse,
    LLMNotConfigured,
    LLMPermanentError,
    LLMRateLimited,
    LLMTimeout,
    LLMTransientError,
    LLMUnreachable,
)
from referraldesk.logging import get_logger
from referraldesk.settings import Settings, get_settings

log = get_logger(__name__)

Message = dict[str, Any]
# An endpoint's own error text can be long (or echo a prompt): keep only its start.
_ERROR_TEXT_LIMIT = 200
_RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ToolCallRequest:
    """One function call the model asked for.

    `arguments` is the decoded JSON object, or None when `raw_arguments` is not a
    JSON object (the model wrote garbage): the caller tells the model, not the tool.
    """

    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None


@dataclass(frozen=True)
class ChatCompletion:
    """The first choice of a chat completion, with what it cost to get."""

    content: str | None
    tool_calls: tuple[ToolCallRequest, ...]
    finish_reason: str | None
    model: str | None
    attempts: int
    latency_ms: float
    usage: dict[str, int] = field(default_factory=dict)

    def assistant_message(self) -> Message:
        """The message to append to the history so the next request continues this one."""
        message: Message = {"role": "assistant", "content": self.content}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.raw_arguments},
                }
                for call in self.tool_calls
            ]
        return message


def json_schema_format(name: str, schema: dict[str, Any], *, strict: bool = True) -> dict[str, Any]:
    """`response_format` asking the model for one JSON document matching `schema`."""
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": schema, "strict": strict},
    }


class ChatClient:
    """Chat completions over HTTP with bounded time and bounded retries.

    `base_url` is the API root that `/chat/completions` hangs from
    (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1`). `timeout_seconds`
    bounds one call, retries and back-off included, unless the call names its own.
    `max_retries` counts repeats after the first attempt. `sleep` is the back-off's
    wait, replaceable in tests.
    """

    def __init__(
        self,
        base_url: str,
        *,
        model: str,
        api_key: str | None = None,
        timeout_seconds: float = 8.0,
        max_retries: int = 2,
        backoff_seconds: float = 0.25,
        max_backoff_seconds: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(headers=headers, follow_redirects=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> ChatClient:
        """A client for REFERRALDESK_LLM_BASE_URL / _API_KEY / _MODEL / _TIMEOUT_SECONDS."""
        settings = settings or get_settings()
        if not settings.llm_base_url:
            raise LLMNotConfigured(
                "REFERRALDESK_LLM_BASE_URL is not set: set it to an OpenAI-compatible API root "
                "such as https://api.openai.com/v1, or use REFERRALDESK_BRAIN=guided"
            )
        api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        options: dict[str, Any] = {
            "model": settings.llm_model,
            "api_key": api_key,
            "timeout_seconds": settings.llm_timeout_seconds,
        }
        return cls(settings.llm_base_url, **(options | overrides))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def complete(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        response_format: dict[str, Any] | None = None,
        temperature: float | None = None,
        max_tokens: int | None = None,
        timeout_seconds: float | None = None,
    ) -> ChatCompletion:
        """Send one chat-completions request and return its first choice.

        `timeout_seconds` (default: the client's) bounds the whole call, retries
        included. Raises `LLMTimeout`, `LLMRateLimited`, `LLMTransientError` (may pass),
        `LLMPermanentError` (will not) or `LLMMalformedResponse`.
        """
        payload: dict[str, Any] = {"model": self.model, "messages": list(messages)}
        optional = {
            "tools": list(tools) if tools else None,
            "tool_choice": tool_choice if tools else None,
            "response_format": response_format,
            "temperature": temperature,
            "max_tokens": max_tokens,
        }
        payload.update({key: value for key, value in optional.items() if value is not None})
        budget = self.timeout_seconds if timeout_seconds is None else timeout_seconds
        return self._send(payload, budget)

    def complete_json(
        self,
        messages: Sequence[Message],
        *,
        schema_name: str,
        schema: dict[str, Any],
        temperature: float | None = 0.0,
        timeout_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Ask for one JSON object matching `schema` and return it decoded.

        The endpoint enforces the schema in strict mode; here only the shape is
        checked (a JSON object with the schema's required keys), because a full
        validator is not a runtime dependency. Raises `LLMMalformedResponse` otherwise.
        """
        completion = self.complete(
            messages,
            response_format=json_schema_format(schema_name, schema),
            temperature=temperature,
            timeout_seconds=timeout_seconds,
        )
        document = _decode_object(completion.content or "")
        if document is None:
            raise LLMMalformedResponse(
                f"the model's answer for {schema_name!r} is not a JSON object; "
                "check that the endpoint supports response_format json_schema"
            )
        missing = [key for key in schema.get("required", []) if key not in document]
        if missing:
            raise LLMMalformedResponse(
                f"the model's answer for {schema_name!r} lacks required keys {missing}"
            )
        return document

    def _send(self, payload: dict[str, Any], budget: float) -> ChatCompletion:
        started = time.monotonic()
        deadline = started + budget
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._post(payload, deadline, attempt)
                if response.status_code == 200:
                    completion = _parse_completion(response, attempt, started)
                    _log_success(completion)
                    return completion
                raise _status_error(response, attempt)
            except LLMError as exc:
                delay = self._retry_delay(exc, attempt, deadline)
                if delay is None:
                    log.warning(
                        "llm_request_failed",
                        error=type(exc).__name__,
                        status=exc.status,
                        attempts=attempt,
                    )
                    raise
                log.info(
                    "llm_request_retry",
                    error=type(exc).__name__,
                    status=exc.status,
                    attempt=attempt,
                    delay_ms=round(delay * 1000),
                )
                self._sleep(delay)

    def _post(self, payload: dict[str, Any], deadline: float, attempt: int) -> httpx.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMTimeout(f"no answer from {self.url} within the time given", attempts=attempt)
        try:
            return self._http.post(self.url, json=payload, timeout=remaining)
        except httpx.ConnectTimeout as exc:
            raise LLMUnreachable(
                f"could not connect to {self.url} in time", attempts=attempt
            ) from exc
        except httpx.TimeoutException as exc:
            raise LLMTimeout(
                f"{self.url} did not answer within {remaining:.2f}s", attempts=attempt
            ) from exc
        except httpx.ConnectError as exc:
            raise LLMUnreachable(
                f"could not connect to {self.url}: {exc}", attempts=attempt
            ) from exc
        except httpx.TransportError as exc:
            # The request may have reached the model: not repeated, but it may pass later.
            raise LLMTransientError(
                f"{self.url} broke off the exchange: {type(exc).__name__}", attempts=attempt
            ) from exc

    def _retry_delay(self, exc: LLMError, attempt: int, deadline: float) -> float | None:
        """How long to wait before repeating, or None when the failure must surface now."""
        repeatable = isinstance(exc, LLMUnreachable | LLMRateLimited) or (
            exc.status is not None and exc.status in _RETRYABLE_STATUSES
        )
        if not repeatable or attempt > self.max_retries:
            return None
        ceiling = min(self.max_backoff_seconds, self.backoff_seconds * 2 ** (attempt - 1))
        delay = random.uniform(ceiling / 2, ceiling)
        if isinstance(exc, LLMRateLimited) and exc.retry_after is not None:
            delay = max(delay, min(exc.retry_after, self.max_backoff_seconds))
        # Waiting past the deadline only to time out would waste the caller's time.
        if time.monotonic() + delay >= deadline:
            return None
        return delay


_shared: dict[tuple[str | None, str, str | None, float], ChatClient] = {}
_shared_lock = threading.Lock()


def shared_client(settings: Settings | None = None) -> ChatClient:
    """The process's client for the configured endpoint, built once and reused.

    Brains are built per turn; sharing the client keeps its connections alive across
    turns and conversations (httpx's client is safe to use from several threads).
    Raises `LLMNotConfigured` without REFERRALDESK_LLM_BASE_URL.
    """
    settings = settings or get_settings()
    secret = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    key = (settings.llm_base_url, settings.llm_model, secret, settings.llm_timeout_seconds)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = ChatClient.from_settings(settings)
        return _shared[key]


def _status_error(response: httpx.Response, attempt: int) -> LLMError:
    status = response.status_code
    detail = _error_text(response)
    if status == 429:
        return LLMRateLimited(
            f"the LLM endpoint is rate limiting (429): {detail}",
            retry_after=_retry_after_seconds(response),
            attempts=attempt,
        )
    if status >= 500:
        return LLMTransientError(
            f"the LLM endpoint failed with {status}: {detail}", status=status, attempts=attempt
        )
    return LLMPermanentError(
        f"the LLM endpoint refused the request with {status}: {detail}; "
        "check REFERRALDESK_LLM_MODEL, REFERRALDESK_LLM_API_KEY and the request shape",
        status=status,
        attempts=attempt,
    )


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:_ERROR_TEXT_LIMIT] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message or body)[:_ERROR_TEXT_LIMIT]


def _retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        # An HTTP date is allowed too; the exponential back-off is good enough then.
        return None


def _parse_completion(response: httpx.Response, attempts: int, started: float) -> ChatCompletion:
    try:
        body = response.json()
        choice = body["choices"][0]
        message = choice["message"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMMalformedResponse(
            "the LLM endpoint answered 200 with a body that is not a chat completion "
            "(expected choices[0].message); check REFERRALDESK_LLM_BASE_URL",
            status=200,
            attempts=attempts,
        ) from exc
    content = message.get("content") if isinstance(message, dict) else None
    if content is not None and not isinstance(content, str):
        raise LLMMalformedResponse(
            "the completion's message content is not text", status=200, attempts=attempts
        )
    return ChatCompletion(
        content=content,
        tool_calls=_parse_tool_calls(message.get("tool_calls"), attempts),
        finish_reason=choice.get("finish_reason"),
        model=body.get("model"),
        attempts=attempts,
        latency_ms=round((time.monotonic() - started) * 1000, 1),
        usage={k: v for k, v in (body.get("usage") or {}).items() if isinstance(v, int)},
    )


def _parse_tool_calls(raw: Any, attempts: int) -> tuple[ToolCallRequest, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise LLMMalformedResponse(
            "the completion's tool_calls is not a list", status=200, attempts=attempts
        )
    calls = []
    for index, item in enumerate(raw):
        function = item.get("function") if isinstance(item, dict) else None
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise LLMMalformedResponse(
                f"tool_calls[{index}] has no function name", status=200, attempts=attempts
            )
        arguments = function.get("arguments")
        # Some servers send the arguments already decoded; the protocol says a JSON string.
        raw_arguments = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
        calls.append(
            ToolCallRequest(
                id=str(item.get("id") or f"call_{index}"),
                name=function["name"],
                raw_arguments=raw_arguments,
                arguments=_decode_object(raw_arguments),
            )
        )
    return tuple(calls)


def _decode_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _log_success(completion: ChatCompletion) -> None:
    log.info(
        "llm_request_ok",
        attempts=completion.attempts,
        latency_ms=completion.latency_ms,
        tool_calls=len(completion.tool_calls),
        prompt_tokens=completion.usage.get("prompt_tokens"),
        completion_tokens=completion.usage.get("completion_tokens"),
    )
