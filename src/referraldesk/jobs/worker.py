"""Run the huey consumer: in its own process (`referraldesk worker`) or inside `serve`."""

from __future__ import annotations

from huey.consumer import Consumer

from referraldesk.jobs.app import huey


class _EmbeddedConsumer(Consumer):  # type: ignore[misc]
    # Inside `serve` the web server owns SIGINT/SIGTERM; huey must not take them.
    def _set_signal_handlers(self) -> None:
        return None


def start_in_process_worker(workers: int = 1) -> Consumer:
    """Start a threaded consumer beside the web app; call `.stop(graceful=True)` to end it."""
    consumer = _EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    return consumer


def run_worker(workers: int) -> None:
    """Run a consumer in the foreground until SIGINT/SIGTERM (the scale-out worker)."""
    consumer = Consumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.run()
