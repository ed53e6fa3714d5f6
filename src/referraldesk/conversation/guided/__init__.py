"""The guided brain: frame-based, offline and deterministic, in English and Spanish."""

from referraldesk.conversation.guided.brain import GuidedBrain

__all__ = ["GuidedBrain"]
