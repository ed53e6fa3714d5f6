"""Field accuracy of PDF referral intake on the suite's generated test set.

    .venv/bin/python bench/eval_pdf_intake.py [--digital N] [--scanned N] [--held-out N]
                                              [--show-misses]

Builds referral PDFs with fpdf2 in four layouts (English form, two-column fax
sheet, Spanish form, letter), the same every run, and their scanned versions
(200 dpi, tilted, specked, black and white, image only). Each goes through
`receive_pdf` against the intake tests' practice, as an upload would, and each
field is compared with the truth. Prints per-field accuracy for both sets, the
mean confidence of right and of wrong fields, and the seconds per document.
A fifth layout, written after the extractor and never tuned on, is reported apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.intake.conftest import _practice  # noqa: E402
from tests.intake_pdf.documents import (  # noqa: E402
    COMPARED_FIELDS,
    HELD_OUT_LAYOUTS,
    Case,
    accuracy,
    digital_pdf,
    field_hits,
    make_cases,
    scanned_pdf,
)

from referraldesk.audit.trail import Actor  # noqa: E402
from referraldesk.db.base import Base  # noqa: E402
from referraldesk.db.session import make_engine, session_factory, use_engine  # noqa: E402
from referraldesk.intake.pdf.service import read_stored_pdf, receive_pdf  # noqa: E402
from referraldesk.logging import configure_logging  # noqa: E402

ACTOR = Actor(name="system:bench", role="system")


def run(cases: list[Case], scanned: bool, show_misses: bool) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        Base.metadata.create_all(engine)
        use_engine(engine)
        rows, seconds, right_conf, wrong_conf = [], [], [], []
        with session_factory(engine)() as session:
            _practice(session)
            for index, case in enumerate(cases):
                data = digital_pdf(case)
                if scanned:
                    data = scanned_pdf(data, seed=index)
                started = time.perf_counter()
                message = receive_pdf(session, ACTOR, data, door="file")
                session.commit()
                read_stored_pdf(message.id)
                session.refresh(message)
                fields = message.extracted["fields"]
                seconds.append(time.perf_counter() - started)
                hits = field_hits(case, fields)
                rows.append(hits)
                for name, hit in hits.items():
                    (right_conf if hit else wrong_conf).append(fields[name]["confidence"])
                    if show_misses and not hit:
                        print(f"  miss {case.layout} {name}: {case.truth[name]!r} -> "
                              f"{fields[name]['value']!r}")
            session.rollback()
        use_engine(None)
        engine.dispose()
    return {"accuracy": accuracy(rows), "seconds": seconds, "right_conf": right_conf,
            "wrong_conf": wrong_conf}


def report(name: str, result: dict[str, object]) -> None:
    figures = result["accuracy"]
    seconds = result["seconds"]
    print(f"\n{name}: {len(seconds)} documents, overall field accuracy "
          f"{figures['overall']:.1%}, median {statistics.median(seconds):.2f} s a document "
          f"(max {max(seconds):.2f} s)")
    for field in COMPARED_FIELDS:
        print(f"  {field:<24} {figures[field]:.1%}")
    right, wrong = result["right_conf"], result["wrong_conf"]
    print(f"  mean confidence: right fields {statistics.mean(right):.2f}, wrong fields "
          f"{statistics.mean(wrong) if wrong else float('nan'):.2f} ({len(wrong)} wrong)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digital", type=int, default=40)
    parser.add_argument("--scanned", type=int, default=16)
    parser.add_argument("--held-out", type=int, default=8)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    configure_logging("WARNING", json=False)
    if args.digital:
        report("digital (text layer)", run(make_cases(args.digital), False, args.show_misses))
    if args.scanned:
        report("scanned (OCR)", run(make_cases(args.scanned, seed=11), True, args.show_misses))
    if args.held_out:
        held_out = make_cases(args.held_out, seed=13, layouts=HELD_OUT_LAYOUTS)
        report("held-out layout, digital", run(held_out, False, args.show_misses))
        report("held-out layout, scanned", run(held_out[:args.held_out // 2], True,
                                               args.show_misses))


if __name__ == "__main__":
    main()
