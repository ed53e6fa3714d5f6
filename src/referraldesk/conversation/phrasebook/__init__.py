"""Every sentence the guided brain says, in English and Spanish, and how it says dates."""

from referraldesk.conversation.phrasebook.phrasebook import (
    LANGUAGES,
    Template,
    holiday_name,
    join_words,
    long_date,
    plan_name,
    provider_name,
    say,
    short_slot_label,
    spoken_date,
    spoken_datetime,
    spoken_time,
    templates,
    with_article,
)

__all__ = [
    "LANGUAGES",
    "Template",
    "join_words",
    "holiday_name",
    "long_date",
    "plan_name",
    "provider_name",
    "say",
    "short_slot_label",
    "spoken_date",
    "spoken_datetime",
    "spoken_time",
    "templates",
    "with_article",
]
