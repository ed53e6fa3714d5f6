"""iCalendar feeds: each provider's schedule behind a secret URL, and a patient's
booking confirmation behind a signed, expiring link."""
