from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.analytics.conftest import MakeConversation

from referraldesk.analytics.service import analysis_view, analyze_and_store, current_analysis
from referraldesk.models import ConversationAnalysis


def test_it_keeps_exactly_one_current_analysis_after_a_rerun(
    session: Session, make_conversation: MakeConversation
) -> None:
    conversation = make_conversation(["what time are you open on saturday?", "no that's all"])

    analyze_and_store(session, conversation.id)
    analyze_and_store(session, conversation.id)
    session.commit()

    current = session.scalar(
        select(func.count()).where(ConversationAnalysis.conversation_id == conversation.id,
                                   ConversationAnalysis.is_current.is_(True))
    )
    assert current == 1
    assert session.scalar(select(func.count()).select_from(ConversationAnalysis)) == 2


def test_it_shows_the_analysis_in_the_api_shape(
    session: Session, make_conversation: MakeConversation
) -> None:
    conversation = make_conversation(
        ["I need to talk to a real person about a bill, not a robot"],
        outcome="transferred", outcome_reason="caller asked for a person",
        tools=[("transfer_to_staff", None)],
    )

    analyze_and_store(session, conversation.id)
    view = analysis_view(current_analysis(session, conversation.id))

    assert view is not None
    assert view["intent"] == "billing_question"
    assert view["escalation"] == {"flag": True,
                                  "reason": "transferred to staff: caller asked for a person"}
    assert view["analyzer"] == "embedded"
    assert set(view) == {"sentiment", "lead_score", "intent", "topics", "satisfaction",
                         "escalation", "summary", "analyzer", "analyzed_at"}
