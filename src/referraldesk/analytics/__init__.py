"""Post-conversation analytics: what happened on each conversation and how it went."""
