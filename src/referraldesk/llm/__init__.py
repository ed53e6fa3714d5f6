"""The outbound client for OpenAI-compatible chat-completions endpoints."""

from referraldesk.llm.client import (
    ChatClient,
    ChatCompletion,
    Message,
    ToolCallRequest,
    json_schema_format,
    shared_client,
)
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

__all__ = [
    "ChatClient",
    "ChatCompletion",
    "LLMError",
    "LLMMalformedResponse",
    "LLMNotConfigured",
    "LLMPermanentError",
    "LLMRateLimited",
    "LLMTimeout",
    "LLMTransientError",
    "LLMUnreachable",
    "Message",
    "ToolCallRequest",
    "json_schema_format",
    "shared_client",
]
