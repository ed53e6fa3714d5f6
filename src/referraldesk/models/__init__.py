"""Every table of referraldesk; importing this package registers them all."""

# The roll-up's invalidation listens on every session once the tables above exist.
import referraldesk.analytics.rollup_invalidation  # noqa: E402,F401,I001
from referraldesk.models.audit import AuditEvent
from referraldesk.models.auth import ROLES, ApiToken, IdempotencyRecord, User
from referraldesk.models.calendar_feed import CalendarFeed, ScheduleFeedMessage
from referraldesk.models.conversation import (
    OUTCOMES,
    Conversation,
    ConversationAnalysis,
    StaffTask,
    ToolCall,
    Turn,
)
from referraldesk.models.intake import IntakeMessage
from referraldesk.models.outreach import OutboundMessage, OutreachAttempt
from referraldesk.models.patient import Consent, Coverage, Patient, PatientPhone
from referraldesk.models.practice import (
    AvailabilityBlock,
    AvailabilityException,
    Closure,
    Location,
    OfficeHours,
    Plan,
    Practice,
    Provider,
    Service,
    Specialty,
    provider_locations,
    provider_plans,
)
from referraldesk.models.ratelimit import RateCounter
from referraldesk.models.referral import Referral, ReferralTransition, ReferringPractice
from referraldesk.models.rights import DataRightsRequest, RecordingDisclosure
from referraldesk.models.rollup import DailyFigure, RollupDay
from referraldesk.models.scheduling import APPOINTMENT_STATUSES, BOOKED, Appointment

__all__ = [
    "APPOINTMENT_STATUSES",
    "BOOKED",
    "OUTCOMES",
    "ROLES",
    "ApiToken",
    "Appointment",
    "AuditEvent",
    "AvailabilityBlock",
    "AvailabilityException",
    "CalendarFeed",
    "Closure",
    "Consent",
    "Conversation",
    "ConversationAnalysis",
    "Coverage",
    "DailyFigure",
    "DataRightsRequest",
    "IdempotencyRecord",
    "IntakeMessage",
    "Location",
    "OfficeHours",
    "OutboundMessage",
    "OutreachAttempt",
    "Patient",
    "PatientPhone",
    "Plan",
    "Practice",
    "Provider",
    "RateCounter",
    "RecordingDisclosure",
    "Referral",
    "ReferralTransition",
    "ReferringPractice",
    "RollupDay",
    "ScheduleFeedMessage",
    "Service",
    "Specialty",
    "StaffTask",
    "ToolCall",
    "Turn",
    "User",
    "provider_locations",
    "provider_plans",
]
