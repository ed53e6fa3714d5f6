"""The optional LLM brain: an OpenAI-compatible chat-completions model driving the tools."""

from referraldesk.conversation.llm.brain import LLMBrain

__all__ = ["LLMBrain"]
