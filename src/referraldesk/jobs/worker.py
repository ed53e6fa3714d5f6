"""Run the huey consumer: in its own process (`referraldesk worker`) or inside `serve`.

Both use the claiming consumer (jobs/periodic.py), so any number of them on one
queue run each periodic job once per tick.
"""

from __future__ import annotations

from huey.consumer import Consumer

from referraldesk.jobs.app import huey
from referraldesk.jobs.periodic import ClaimingConsumer
from referraldesk.logging import get_logger

log = get_logger(__name__)


class _EmbeddedConsumer(ClaimingConsumer):
    # Inside `serve` the web server owns SIGINT/SIGTERM; huey must not take them.
    def _set_signal_handlers(self) -> None:
        return None


def start_in_process_worker(workers: int = 1) -> Consumer:
    """Start a threaded consumer beside the web app; call `.stop(graceful=True)` to end it."""
    consumer = _EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer


def run_worker(workers: int) -> None:
    """Run a consumer in the foreground until SIGINT/SIGTERM (the scale-out worker).

    A worker starting is often one replacing a worker that died, with the job it
    held lost: so it first queues again the work whose result is missing, rather
    than leave it to the next periodic sweep.
    """
    from referraldesk.jobs.sweeper import sweep_lost_analyses

    consumer = ClaimingConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    try:
        sweep_lost_analyses()
    except Exception:  # reported; the periodic sweep tries again, the worker must start
        log.exception("startup_sweep_failed")
    consumer.run()
