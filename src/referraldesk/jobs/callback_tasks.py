"""The periodic job that calls back callback requests (rules in `voice.callbacks`).

Without Twilio credentials there is no phone line: the run does nothing and says so
once per run; staff see the requests on the worklist either way.
"""

from __future__ import annotations

from huey import crontab

from referraldesk.db.session import session_scope
from referraldesk.jobs.app import huey
from referraldesk.logging import get_logger

log = get_logger(__name__)


@huey.periodic_task(crontab(minute="*/15"))
def callback_round() -> None:
    """Call back the open callback requests that may be called now."""
    from referraldesk.errors import Unavailable
    from referraldesk.voice.callbacks import run_callbacks
    from referraldesk.voice.outbound import TwilioVoice

    try:
        voice = TwilioVoice.from_settings()
    except Unavailable:
        log.info("callback_round_skipped", reason="no_twilio_credentials")
        return
    with session_scope() as session:
        done = run_callbacks(session, voice)
    log.info(
        "callback_round", placed=len(done.placed), refused=len(done.refused), retry=len(done.retry)
    )
