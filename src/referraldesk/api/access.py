"""Who may reach each route of the app: the one declared table, checked route by route.

`ROUTES` names every route as `"METHOD /path/{template}"` (a WebSocket handshake as
`"WS /path"`), exactly as the route declares it, and says which door it has:

- `PUBLIC`: anyone (the chat, health, the site's icon, the sign-in page, the API's own
  schema);
- `TWILIO`: a valid X-Twilio-Signature; no token or session opens it;
- `SECRET_URL`: the URL carries its own secret (calendar feeds, which calendar apps
  fetch without headers); a wrong one is a 404 like a missing one;
- `token(...)`: a bearer token of one of the roles (admin always);
- `dashboard(page, action)`: a dashboard session whose role `admin.access` lets see
  or change the page; `SIGNED_IN`: any dashboard session.

The routes use the role sets below in `require_roles(...)`, and
`tests/security/test_authorization_matrix.py` sends every route a request as
anonymous, as each token role and as each dashboard role, and fails on any route
missing here. A new route is declared by adding its line to `ROUTES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from referraldesk.admin import access as dashboard_access
from referraldesk.rights import permissions as rights_permissions

Door = Literal["public", "twilio", "secret_url", "token", "dashboard"]

# Act on any patient (register, book, read appointments, call patient tools): the
# front desk, the coordinators and the systems that feed them. The same set on every
# door to patient data, so no route is wider or narrower than the tools behind it.
FRONT_DESK = ("staff", "coordinator", "integration")
# Referral intake from other systems (HL7, FHIR, native JSON).
INTEGRATION = ("integration",)
# Work the referral queue and the outbox.
COORDINATION = ("coordinator",)
# PDF and fax referrals: sent by systems, or uploaded by a coordinator.
PDF_INTAKE = ("integration", "coordinator")
# Read transcripts. Not the auditor: the audit trail says who saw what without
# showing what the patient said (HIPAA minimum necessary).
TRANSCRIPTS = ("staff", "coordinator")
# Counts and rates only, no patient data (the conversation and referral metrics).
AGGREGATES = ("staff", "coordinator", "auditor")
# The tool catalog's descriptions (no patient data).
CATALOG = (*FRONT_DESK, "auditor")


@dataclass(frozen=True)
class Access:
    door: Door
    roles: frozenset[str] = frozenset()


PUBLIC = Access("public")
TWILIO = Access("twilio")
SECRET_URL = Access("secret_url")
SIGNED_IN = Access("dashboard", dashboard_access.EVERYONE)


def token(*roles: str) -> Access:
    return Access("token", frozenset({*roles, "admin"}))


def dashboard(page: str, action: str = "view") -> Access:
    entry = dashboard_access.BY_KEY[page]
    return Access("dashboard", entry.view if action == "view" else entry.act)


def rights(action: str) -> Access:
    """A data-rights action: the patients page, narrowed by `rights.permissions`."""
    page = dashboard_access.BY_KEY["patients"].view
    return Access("dashboard", page & rights_permissions.ALLOWED[action])


ROUTES: dict[str, Access] = {
    # the app itself
    "GET /healthz": PUBLIC,
    "GET /favicon.ico": PUBLIC,
    "GET /openapi.json": PUBLIC,
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /docs/assets/{name}": PUBLIC,
    # web chat (public, rate-limited per address)
    "GET /chat": PUBLIC,
    "GET /chat/static/{name}": PUBLIC,
    "POST /api/conversations": PUBLIC,
    "POST /api/conversations/{conversation_id}/messages": PUBLIC,
    "POST /api/conversations/{conversation_id}/end": PUBLIC,
    "GET /api/conversations/{conversation_id}": token(*TRANSCRIPTS),
    "GET /api/metrics/conversations": token(*AGGREGATES),
    # patients, scheduling, the tool catalog
    "POST /api/patients": token(*FRONT_DESK),
    "GET /api/patients/{patient_id}/appointments": token(*FRONT_DESK),
    "POST /api/appointments": token(*FRONT_DESK),
    "GET /api/providers": token(*FRONT_DESK),
    "GET /api/providers/{provider_id}": token(*FRONT_DESK),
    "GET /api/tools": token(*CATALOG),
    "POST /api/tools/{name}": token(*FRONT_DESK),
    # referrals: intake, queue, loop
    "POST /api/referrals": token(*INTEGRATION),
    "POST /api/referrals/hl7": token(*INTEGRATION),
    "POST /api/referrals/pdf": token(*PDF_INTAKE),
    "GET /api/intake": token(*COORDINATION),
    "GET /api/intake/{message_id}": token(*COORDINATION),
    "POST /api/intake/{message_id}/replay": token(*COORDINATION),
    "POST /fhir": token(*INTEGRATION),
    "POST /fhir/ServiceRequest": token(*INTEGRATION),
    "GET /fhir/ServiceRequest/{referral_id}": token(*INTEGRATION),
    "GET /fhir/Task": token(*INTEGRATION),
    # FHIR scheduling (Argonaut / SMART scheduling style) for partner systems
    "GET /fhir/metadata": token(*INTEGRATION),
    "GET /fhir/Practitioner": token(*INTEGRATION),
    "GET /fhir/Practitioner/{provider_id}": token(*INTEGRATION),
    "GET /fhir/PractitionerRole": token(*INTEGRATION),
    "GET /fhir/Location": token(*INTEGRATION),
    "GET /fhir/Location/{location_id}": token(*INTEGRATION),
    "GET /fhir/Schedule": token(*INTEGRATION),
    "GET /fhir/Slot": token(*INTEGRATION),
    "GET /fhir/Slot/{slot_id}": token(*INTEGRATION),
    "POST /fhir/Appointment/$find": token(*INTEGRATION),
    "POST /fhir/Appointment/$book": token(*INTEGRATION),
    "POST /fhir/Appointment": token(*INTEGRATION),
    "GET /fhir/Appointment": token(*INTEGRATION),
    "GET /fhir/Appointment/{appointment_id}": token(*INTEGRATION),
    "PUT /fhir/Appointment/{appointment_id}": token(*INTEGRATION),
    "PATCH /fhir/Appointment/{appointment_id}": token(*INTEGRATION),
    # calendar feeds
    "GET /calendar/{token}.ics": SECRET_URL,
    "GET /calendar/appointments/{signed}.ics": SECRET_URL,
    "GET /api/referrals": token(*COORDINATION),
    "GET /api/referrals/{referral_id}": token(*COORDINATION),
    "POST /api/referrals/{referral_id}/visit": token(*COORDINATION),
    "POST /api/referrals/{referral_id}/consult-note": token(*COORDINATION),
    "GET /api/referrals/{referral_id}/status-letter.pdf": token(*COORDINATION),
    "GET /api/outbox": token(*COORDINATION),
    "POST /api/outbox/{message_id}/sent": token(*COORDINATION),
    "GET /api/metrics/referrals": token(*AGGREGATES),
    "GET /api/outreach/worklist": token(*COORDINATION),
    "GET /api/outreach/nudges": token(*COORDINATION),
    "GET /api/outreach/nudges/{practice_id}/digest.pdf": token(*COORDINATION),
    # Twilio webhooks
    "POST /twilio/sms": TWILIO,
    "POST /twilio/voice": TWILIO,
    "POST /twilio/voice/turn": TWILIO,
    "POST /twilio/voice/status": TWILIO,
    "POST /twilio/voice/transfer": TWILIO,
    "POST /twilio/voice/whisper": TWILIO,
    "POST /twilio/voice/forward": TWILIO,
    "POST /twilio/voice/relay/done": TWILIO,
    "POST /twilio/voice/outbound": TWILIO,
    "POST /twilio/voice/recording": TWILIO,
    "WS /twilio/voice/relay": TWILIO,
    # the dashboard
    "GET /admin/": SIGNED_IN,
    "GET /admin/login": PUBLIC,
    "POST /admin/login": PUBLIC,
    "POST /admin/logout": SIGNED_IN,
    "GET /admin/static/{name}": PUBLIC,
    "GET /admin/today": dashboard("today"),
    "POST /admin/tasks/{task_id}/done": dashboard("today", "act"),
    "POST /admin/tasks/{task_id}/call": dashboard("today", "act"),
    "POST /admin/today/flagged/{conversation_id}": dashboard("today", "act"),
    "GET /admin/conversations": dashboard("conversations"),
    "GET /admin/conversations/{conversation_id}": dashboard("conversations"),
    "GET /admin/referrals": dashboard("referrals"),
    "GET /admin/referrals/state/{state}": dashboard("referrals"),
    "GET /admin/referrals/nudges": dashboard("referrals"),
    "GET /admin/referrals/{referral_id}": dashboard("referrals"),
    "POST /admin/referrals/{referral_id}/move": dashboard("referrals", "act"),
    "GET /admin/referrals/{referral_id}/status-letter.pdf": dashboard("referrals", "act"),
    "GET /admin/intake": dashboard("intake"),
    "GET /admin/intake/fax": dashboard("intake", "act"),
    "POST /admin/intake/fax": dashboard("intake", "act"),
    "POST /admin/intake/csv": dashboard("intake", "act"),
    "POST /admin/intake/pdf": dashboard("intake", "act"),
    "GET /admin/intake/{message_id}/document": dashboard("intake"),
    "POST /admin/intake/{message_id}/confirm": dashboard("intake", "act"),
    "GET /admin/intake/{message_id}": dashboard("intake"),
    "POST /admin/intake/{message_id}/replay": dashboard("intake", "act"),
    "GET /admin/numbers": dashboard("numbers"),
    "GET /admin/schedule": dashboard("schedule"),
    "GET /admin/practice": dashboard("practice"),
    "POST /admin/practice/locations/{key}/hours": dashboard("practice", "act"),
    "POST /admin/practice/closures": dashboard("practice", "act"),
    "POST /admin/practice/closures/remove": dashboard("practice", "act"),
    "POST /admin/practice/service": dashboard("practice", "act"),
    "GET /admin/practice/providers/{npi}": dashboard("practice", "act"),
    "POST /admin/practice/providers/{npi}": dashboard("practice", "act"),
    "GET /admin/practice/services/{key}": dashboard("practice", "act"),
    "POST /admin/practice/services/{key}": dashboard("practice", "act"),
    "GET /admin/patients": dashboard("patients"),
    "GET /admin/patients/{patient_id}": dashboard("patients"),
    "POST /admin/patients/{patient_id}/consents": dashboard("patients"),
    "GET /admin/rights": rights("list"),
    "POST /admin/rights/{request_id}/complete": rights("complete"),
    "POST /admin/patients/{patient_id}/rights/request": rights("request"),
    "POST /admin/patients/{patient_id}/rights/export": rights("export"),
    "POST /admin/patients/{patient_id}/rights/opt-out": rights("opt_out"),
    "POST /admin/patients/{patient_id}/rights/erase": rights("erase"),
    "GET /admin/audit": dashboard("audit"),
    "POST /admin/audit/verify": dashboard("audit", "act"),
}
