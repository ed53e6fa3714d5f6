"""Calls we place: referral follow-ups and callback requests, through Twilio's REST API.

`TwilioVoice` is the one outbound client for Twilio voice: it owns the timeout, maps
Twilio's failures to our error tree (transient: Unavailable, retry later; permanent:
InvalidArgument, tell a person) and takes a twilio `HttpClient` as its test seam.
POSTs that create a call are never retried here: a retry could ring a patient twice.

Answering machines are detected before anything is said (`machine_detection=
DetectMessageEnd`, synchronous): the answer webhook then knows who picked up, a
machine gets a voicemail naming only the practice and its number, and a person is
greeted by the engine, which confirms who they are before the referral is mentioned.
Asynchronous detection would let the opening play into a voicemail box, and the
opening already says what the call is about.

A callback request is someone who wanted a person: when they pick up, they hear the
practice's name and are put through to the staff line (whisper: the request's
reason), and the task is done once staff answer. Without a staff line the agent
takes the call, as for a follow-up.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from referraldesk.audit import trail
from referraldesk.audit.trail import Actor
from referraldesk.channels.twilio_signature import Fields, first
from referraldesk.errors import InvalidArgument, NotFound, OptedOut, Unavailable
from referraldesk.logging import get_logger
from referraldesk.models import Conversation, Patient, Practice, Referral, StaffTask
from referraldesk.settings import get_settings
from referraldesk.voice import calls, hours, twiml, urls
from referraldesk.voice.answering import connect
from referraldesk.voice.phrases import line, spoken_digits

log = get_logger(__name__)

TIMEOUT_SECONDS = 10.0
# Seconds the patient's phone rings before the call counts as not answered.
RING_SECONDS = 25
MACHINE = "machine"


class TwilioVoice:
    """Twilio's voice REST API as referraldesk uses it: place a call, nothing else."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        http_client: HttpClient | None = None,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        seam = http_client or TwilioHttpClient(timeout=timeout_seconds)
        self._client = Client(account_sid, auth_token, http_client=seam)

    @classmethod
    def from_settings(cls, *, http_client: HttpClient | None = None) -> TwilioVoice:
        settings = get_settings()
        token = settings.twilio_auth_token.get_secret_value() if settings.twilio_auth_token else ""
        sid = settings.twilio_account_sid or ""
        if not sid or not token:
            raise Unavailable(
                "outbound calls need REFERRALDESK_TWILIO_ACCOUNT_SID and "
                "REFERRALDESK_TWILIO_AUTH_TOKEN; set them to the Twilio account's SID and token"
            )
        return cls(sid, token, http_client=http_client)

    def place_call(self, *, to: str, from_: str, answer_url: str, status_url: str) -> str:
        """Ring `to` from `from_`; returns the CallSid. Twilio posts `answer_url` on answer."""
        try:
            call = self._client.calls.create(
                to=to,
                from_=from_,
                url=answer_url,
                method="POST",
                status_callback=status_url,
                status_callback_method="POST",
                timeout=RING_SECONDS,
                machine_detection="DetectMessageEnd",
            )
        except TwilioRestException as exc:
            raise _classified(exc) from exc
        except TwilioException as exc:
            raise Unavailable(
                "Twilio could not be reached to place the call; try again later"
            ) from exc
        except OSError as exc:  # timeouts and refused connections from the HTTP layer
            raise Unavailable("Twilio did not answer in time; try again later") from exc
        log.info("call_placed", call_sid=call.sid)
        return str(call.sid)

    def start_recording(self, *, call_sid: str, status_url: str) -> str:
        """Record call `call_sid` from now on (both sides); returns the RecordingSid.

        Twilio posts `status_url` when the recording is ready. Failures are classified
        as for `place_call`; starting twice is the caller's to avoid.
        """
        try:
            recording = self._client.calls(call_sid).recordings.create(
                recording_status_callback=status_url,
                recording_status_callback_method="POST",
                recording_status_callback_event=["completed", "absent"],
                recording_channels="dual",
            )
        except TwilioRestException as exc:
            raise _classified(exc) from exc
        except (TwilioException, OSError) as exc:
            raise Unavailable("Twilio could not be reached to start the recording") from exc
        return str(recording.sid)

    def delete_recording(self, recording_sid: str) -> None:
        """Delete a recording at Twilio (erasure, retention). One already gone (404) is done;
        other failures are classified as for `place_call`."""
        try:
            self._client.recordings(recording_sid).delete()
        except TwilioRestException as exc:
            if exc.status == 404:
                return
            raise _classified(exc) from exc
        except (TwilioException, OSError) as exc:
            raise Unavailable("Twilio could not be reached to delete the recording") from exc


def call_about_referral(
    session: Session, voice: TwilioVoice, actor: Actor, referral_id: str
) -> str:
    """Call the patient of a referral to help them book; returns the CallSid."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"there is no referral with id {referral_id!r}", field="referral_id")
    patient = referral.patient
    phone = _phone_to_call(patient)
    trail.record(
        session,
        actor,
        "read",
        "patient",
        patient.id,
        reason="phone number for a referral follow-up call",
    )
    return voice.place_call(
        to=phone,
        from_=_practice_phone(session),
        answer_url=urls.public(urls.OUTBOUND, referral=referral.id),
        status_url=urls.public(urls.STATUS),
    )


def call_back(session: Session, voice: TwilioVoice, actor: Actor, task_id: str) -> str:
    """Call back the number of a callback request; returns the CallSid."""
    task = session.get(StaffTask, task_id)
    if task is None or not task.callback_phone:
        raise NotFound(
            f"there is no callback request {task_id!r} with a number to call", field="task_id"
        )
    if task.patient_id is not None:
        patient = session.get(Patient, task.patient_id)
        if patient is not None:
            _check_calls_allowed(patient)
            trail.record(
                session,
                actor,
                "read",
                "staff_task",
                task.id,
                patient_id=patient.id,
                reason="callback call",
            )
    return voice.place_call(
        to=task.callback_phone,
        from_=_practice_phone(session),
        answer_url=urls.public(urls.OUTBOUND, task=task.id),
        status_url=urls.public(urls.STATUS),
    )


def answered(
    session: Session,
    fields: Fields,
    *,
    referral_id: str | None,
    task_id: str | None,
    transport: str | None = None,
) -> str:
    """POST /twilio/voice/outbound: a machine gets the voicemail, a person the agent
    (or, for a callback request, the staff line)."""
    language, referral = _call_subject(session, referral_id, task_id)
    if _machine(first(fields, "AnsweredBy")):
        log.info("voicemail_left", referral_id=referral_id, task_id=task_id)
        return twiml.say_and_hang_up(_voicemail(session, language), language)
    staff = hours.staff_line(session)
    if referral is None and task_id and staff:
        log.info("callback_answered", task_id=task_id)
        return twiml.dial(
            line("callback_hold", language, practice=_practice_name(session)),
            language,
            number=staff,
            whisper=urls.public(urls.WHISPER, task=task_id),
            action=urls.public(urls.TRANSFER_DONE, task=task_id),
        )
    played = calls.open_call(
        session,
        call_sid=first(fields, "CallSid"),
        caller_phone=first(fields, "To"),
        direction="outbound",
        language=language,
        referral_id=referral,
    )
    return connect(session, played, transport)


def _call_subject(
    session: Session, referral_id: str | None, task_id: str | None
) -> tuple[str, str | None]:
    """The language to speak and the referral the call is about."""
    if referral_id:
        referral = session.get(Referral, referral_id)
        if referral is None:
            raise NotFound(f"there is no referral with id {referral_id!r}", field="referral")
        return _language(referral.patient.preferred_language), referral.id
    task = session.get(StaffTask, task_id) if task_id else None
    if task is None:
        raise InvalidArgument("an outbound call names its referral or its task", field="referral")
    earlier = session.get(Conversation, task.conversation_id) if task.conversation_id else None
    return _language(earlier.language if earlier else None), None


def _practice_name(session: Session) -> str:
    return session.scalar(select(Practice.name).limit(1)) or ""


def _voicemail(session: Session, language: str) -> str:
    practice = session.scalar(select(Practice).limit(1))
    name = practice.name if practice else ""
    if practice is not None and practice.phone:
        return line("voicemail", language, practice=name, phone=spoken_digits(practice.phone))
    return line("voicemail_no_phone", language, practice=name)


def _machine(answered_by: str) -> bool:
    # AnsweredBy: human, machine_start, machine_end_beep, machine_end_silence,
    # machine_end_other, fax, unknown. Unknown is treated as a person.
    return answered_by.startswith(MACHINE) or answered_by == "fax"


def _phone_to_call(patient: Patient) -> str:
    _check_calls_allowed(patient)
    primary = sorted(patient.phones, key=lambda phone: not phone.is_primary)
    if not primary:
        raise NotFound("the patient has no phone number on file", field="phone")
    return primary[0].e164


def _check_calls_allowed(patient: Patient) -> None:
    # Only an explicit withdrawal stops a care call; no record on file does not.
    records = sorted(
        (c for c in patient.consents if c.kind == "automated_calls"), key=lambda c: c.recorded_at
    )
    if records and not records[-1].granted:
        raise OptedOut("the patient asked not to get automated calls; a person must call")


def _practice_phone(session: Session) -> str:
    phone = session.scalar(select(Practice.phone).limit(1))
    if not phone:
        raise InvalidArgument(
            "the practice has no phone number to call from; set practice.phone in the "
            "practice file (a Twilio number of the account)",
            field="practice.phone",
        )
    return phone


def _language(value: str | None) -> str:
    return "es" if value == "es" else "en"


def _classified(exc: TwilioRestException) -> Exception:
    # 429 and 5xx pass; anything else (a bad number, a number not allowed) needs a person.
    if exc.status == 429 or exc.status >= 500:
        return Unavailable(f"Twilio is busy (HTTP {exc.status}); try the call again later")
    return InvalidArgument(
        f"Twilio refused the call (HTTP {exc.status}, error {exc.code}); check the number "
        "and the account's calling permissions",
    )
