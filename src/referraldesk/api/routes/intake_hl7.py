"""HL7 v2 referrals over HTTP: `POST /api/referrals/hl7`, answered with the HL7 ACK.

The body is one message (text/plain or x-application/hl7-v2+er7; any of `\\r`,
`\\n`, `\\r\\n` between segments). The answer is always the ACK with status 200,
as HL7 over HTTP senders expect: AA taken in (duplicates too, MSA-3 says so), AE or
AR with the reason in MSA-3 and ERR. A message that fails waits in the intake queue.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from referraldesk.api.deps import DbSession, require_roles
from referraldesk.audit.trail import Actor
from referraldesk.intake.hl7.framing import decode
from referraldesk.intake.hl7.service import receive_hl7

router = APIRouter(tags=["referrals"])

Integration = Annotated[Actor, Depends(require_roles("integration"))]
ACK_MEDIA_TYPE = "text/plain"


async def raw_body(request: Request) -> bytes:
    return await request.body()


@router.post("/api/referrals/hl7", response_class=PlainTextResponse)
def intake_hl7(
    actor: Integration, session: DbSession, body: Annotated[bytes, Depends(raw_body)]
) -> PlainTextResponse:
    """Take one HL7 v2 referral message (REF^I12/I13/I14, OMG^O19) and answer with the ACK."""
    outcome = receive_hl7(session, actor, decode(body), channel="hl7_http")
    return PlainTextResponse(outcome.reply, media_type=ACK_MEDIA_TYPE)
