"""Referrals: the lifecycle, intake at the door, transitions and appointment hooks."""
