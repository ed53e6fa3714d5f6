"""The phone channel: Twilio calls in and out, turn-based (<Gather>) or streaming
(ConversationRelay), both on the same conversation engine as chat and SMS."""
