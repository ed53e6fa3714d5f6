"""Referral intake: every door a referring practice uses, answered in its own protocol.

HL7 v2 (HTTP, MLLP, files), FHIR R4 and CSV all arrive here. Each message is kept
whole in the intake queue (`queue`) before it is read; each door turns what it
understood into the same `facts.ReferralFacts`, which `apply` hands to the referral
and patient services. What cannot be read or applied stays in the queue with its
error for a person to fix and replay.
"""
