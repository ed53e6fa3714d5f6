"""A watched folder for PDF referrals: what a fax server or a scanner drops there is taken in.

Each file is taken in on its own (its own transaction, through `take_in`). A file
now in the intake queue for review is deleted from the folder: the queue keeps it
encrypted, and a plain copy on disk would outlive both the encryption and a patient's
erasure. A file that could not be kept or read moves to `failed/`, so the folder
itself shows what still needs a person. Files already there when the watch starts
are taken in first.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from referraldesk.logging import get_logger

log = get_logger(__name__)

DONE = "done"
FAILED = "failed"
PDF_SUFFIX = ".pdf"
# How long a file's size must hold still before it is read: a fax server writes
# the file over a second or two, and watchdog reports it as soon as it appears.
SETTLE_SECONDS = 1.0


def pending_files(directory: Path) -> list[Path]:
    """The PDFs waiting in `directory` (not in done/ or failed/), oldest first."""
    files = [path for path in directory.iterdir()
             if path.is_file() and path.suffix.lower() == PDF_SUFFIX]
    return sorted(files, key=lambda path: (path.stat().st_mtime, path.name))


def put_away(path: Path, outcome: str) -> Path | None:
    """Delete a file the queue now keeps (DONE); move any other into failed/."""
    if outcome == DONE:
        path.unlink()
        return None
    return move_to(path, FAILED)


def move_to(path: Path, outcome: str) -> Path:
    """Move a handled file into the `outcome` folder beside it, never over another file."""
    folder = path.parent / outcome
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        target = folder / f"{path.stem}-{counter}{path.suffix}"
        counter += 1
    return path.rename(target)


def watch(directory: Path, take_in: Callable[[Path], str], stop: threading.Event,
          settle_seconds: float = SETTLE_SECONDS) -> None:
    """Take in every PDF that appears in `directory` until `stop` is set.

    `take_in(path)` returns DONE or FAILED; the file is put away accordingly.
    """
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    arrived: queue.Queue[Path] = queue.Queue()

    class Arrivals(FileSystemEventHandler):
        def on_created(self, event: FileSystemEvent) -> None:
            arrived.put(Path(str(event.src_path)))

        def on_moved(self, event: FileSystemEvent) -> None:
            arrived.put(Path(str(event.dest_path)))

    observer = Observer()
    observer.schedule(Arrivals(), str(directory), recursive=False)
    observer.start()
    try:
        for path in pending_files(directory):
            arrived.put(path)
        while not stop.is_set():
            try:
                path = arrived.get(timeout=0.2)
            except queue.Empty:
                continue
            _handle(path, directory, take_in, stop, settle_seconds)
    finally:
        observer.stop()
        observer.join()


def _handle(path: Path, directory: Path, take_in: Callable[[Path], str],
            stop: threading.Event, settle_seconds: float) -> None:
    if path.parent != directory or path.suffix.lower() != PDF_SUFFIX or not path.exists():
        return
    if not _settled(path, stop, settle_seconds):
        return
    try:
        outcome = take_in(path)
    except Exception as exc:  # one bad file must not stop the watch
        log.error("pdf_folder_error", error=type(exc).__name__)
        outcome = FAILED
    put_away(path, outcome)


def _settled(path: Path, stop: threading.Event, settle_seconds: float) -> bool:
    """Wait until the file stops growing; False when it vanished or the watch stopped."""
    size = -1
    while path.exists() and not stop.is_set():
        current = path.stat().st_size
        if current == size and current > 0:
            return True
        size = current
        stop.wait(settle_seconds)
    return False
