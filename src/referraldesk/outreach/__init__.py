"""Follow-up outreach: texts and calls to patients whose referral is not booked yet."""
