import pytest

from referraldesk.analytics.embedded import EmbeddedAnalyzer
from referraldesk.analytics.schema import ConversationFacts, ToolUse
from referraldesk.analytics.sentiment import text_sentiment


def facts(caller: list[str], outcome: str | None = "answered", language: str = "en",
          tools: list[ToolUse] | None = None, **extra: object) -> ConversationFacts:
    return ConversationFacts("c1", "chat", "inbound", language, outcome, None, caller, [],
                             tools or [], **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "sign"),
    [
        ("muchas gracias, muy amable", "es", 1),
        ("esto es pésimo, nadie contesta", "es", -1),
        ("pesimo servicio", "es", -1),
        ("no, es todo, gracias", "es", 0),
        ("muchísimas gracias, que Dios la bendiga", "es", 1),
        ("thank you so much, that's great", "en", 1),
        ("this is ridiculous, nobody ever answers", "en", -1),
        ("my knee hurts and it is swollen", "en", 0),
        ("tengo dolor en la rodilla", "es", 0),
    ],
)
def test_it_reads_the_sign_of_caller_sentiment_in_both_languages(
    text: str, language: str, sign: int
) -> None:
    score = text_sentiment(text, language)

    assert (score > 0.05) - (score < -0.05) == sign


def test_it_calls_a_booking_for_a_referral_a_referral_visit() -> None:
    result = EmbeddedAnalyzer().analyze(
        facts(["mi doctora me mandó con un especialista de la piel", "sí, perfecto"], "booked",
              "es", [ToolUse("schedule_appointment", True, None)], has_referral=True)
    )

    assert result.intent == "book_referral_visit"
    assert result.escalation_flag is False
    assert result.lead_score >= 80
    assert result.satisfaction >= 4


def test_it_flags_an_emergency_and_scores_no_visit() -> None:
    result = EmbeddedAnalyzer().analyze(
        facts(["mi esposo tiene un dolor muy fuerte en el pecho"], "emergency", "es")
    )

    assert result.intent == "emergency"
    assert result.escalation_flag is True
    assert result.lead_score <= 5


def test_it_flags_repeated_failed_verification() -> None:
    result = EmbeddedAnalyzer().analyze(
        facts(["Maria Lopez", "march 3 1985"], "abandoned", failed_verifications=2)
    )

    assert result.escalation_reason == "identity could not be verified"


def test_it_writes_the_summary_in_the_practice_language() -> None:
    result = EmbeddedAnalyzer().analyze(
        facts(["quiero cancelar mi cita"], "cancelled", "es", practice_language="es")
    )

    assert result.summary.startswith("Chat web en español: la persona quería cancelar una cita.")
