"""The LLM analyzer: any OpenAI-compatible endpoint answering in Analysis's JSON schema.

A bad answer (not JSON, not the schema, out of range) is asked for once more; a
second bad answer, or an endpoint that does not answer, falls back to the embedded
analyzer, so every ended conversation still gets its analysis. Transcripts go only
to the endpoint the practice configured (REFERRALDESK_LLM_BASE_URL).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from referraldesk.analytics.schema import INTENTS, Analysis, Analyzer, ConversationFacts
from referraldesk.llm.client import ChatClient
from referraldesk.llm.errors import LLMError, LLMMalformedResponse
from referraldesk.logging import get_logger

log = get_logger(__name__)

ATTEMPTS = 2

SYSTEM_PROMPT = (
    "You review conversations between a medical practice's automated front desk and a "
    "caller. Answer with one JSON object in the given schema. sentiment is the caller's "
    "mood from -1 (angry) to 1 (delighted); lead_score 0-100 is how likely this contact "
    "ends in a kept specialist visit; intent is one of: " + ", ".join(INTENTS) + "; "
    "topics are at most five short labels; satisfaction is 1-5; escalation_flag is true "
    "when a person on staff should look at this conversation, with the reason. Write the "
    "summary in two or three sentences in {language}, without names, dates of birth or "
    "phone numbers."
)


def analysis_schema() -> dict[str, Any]:
    schema = Analysis.model_json_schema()
    schema["additionalProperties"] = False
    schema["required"] = list(schema["properties"])
    return schema


class LLMAnalyzer:
    name = "llm"
    version = "1.0"

    def __init__(self, fallback: Analyzer, client: ChatClient | None = None) -> None:
        self.fallback = fallback
        self._client = client
        # Which analyzer produced the last result: "llm", or the fallback's name.
        self.last_used_name = self.name

    def analyze(self, facts: ConversationFacts) -> Analysis:
        try:
            client = self._client or ChatClient.from_settings()
        except LLMError as exc:
            return self._fall_back(facts, type(exc).__name__)
        messages = _messages(facts)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                document = client.complete_json(
                    messages, schema_name="conversation_analysis", schema=analysis_schema()
                )
                result = Analysis.model_validate(document)
            except (LLMError, ValidationError) as exc:
                log.warning("llm_analysis_rejected", conversation_id=facts.conversation_id,
                            attempt=attempt, error=type(exc).__name__)
                # A refused request (a 4xx) will be refused again; a garbled one may not be.
                if isinstance(exc, LLMError) and not exc.retryable and not isinstance(
                    exc, LLMMalformedResponse
                ):
                    break
                continue
            self.last_used_name = self.name
            return result
        return self._fall_back(facts, "no valid answer")

    def _fall_back(self, facts: ConversationFacts, why: str) -> Analysis:
        log.info("llm_analysis_fell_back", conversation_id=facts.conversation_id, why=why)
        self.last_used_name = self.fallback.name
        return self.fallback.analyze(facts)


def _messages(facts: ConversationFacts) -> list[dict[str, Any]]:
    language = "Spanish" if facts.practice_language == "es" else "English"
    record = {
        "channel": facts.channel,
        "direction": facts.direction,
        "language": facts.language,
        "outcome": facts.outcome,
        "outcome_reason": facts.outcome_reason,
        "failed_verifications": facts.failed_verifications,
        "referral_on_file": facts.has_referral,
        "tool_calls": [{"name": t.name, "ok": t.ok, "error": t.error_code} for t in facts.tools],
        "caller_said": facts.caller_texts,
        "agent_said": facts.agent_texts,
    }
    return [
        {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
        {"role": "user", "content": json.dumps(record, ensure_ascii=False)},
    ]
