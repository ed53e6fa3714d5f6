from referraldesk.conversation.turn import Action, AgentTurn


def test_the_public_turn_keeps_the_patients_number_on_the_server() -> None:
    turn = AgentTurn(
        reply="Booked. I sent you a text.",
        language="en",
        actions=[Action(type="send_sms", to="+15595550143", body="Your visit: Tue 7:00 AM")],
    )

    shown = turn.public()

    assert shown["actions"] == [{"type": "send_sms", "body": "Your visit: Tue 7:00 AM"}]
    assert "+15595550143" not in str(shown)
