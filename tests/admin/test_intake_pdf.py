"""Intake page: a PDF or fax uploaded, its fields checked and corrected, the referral taken in."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from tests.admin.conftest import SignIn
from tests.intake_pdf.documents import digital_pdf, make_cases

from referraldesk.db.session import session_scope
from referraldesk.intake.pdf import reading
from referraldesk.models import Referral
from referraldesk.models.intake import IntakeMessage

PDF = digital_pdf(make_cases(1, seed=3)[0])


def _upload(signed_in: SignIn, data: bytes = PDF) -> str:
    coordinator = signed_in("coordinator")
    response = coordinator.client.post(
        "/admin/intake/pdf", data={"csrf_token": coordinator.csrf},
        files={"file": ("fax-0142.pdf", data, "application/pdf")})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_an_uploaded_pdf_shows_its_fields_to_confirm(signed_in: SignIn) -> None:
    page = signed_in("coordinator").get(_upload(signed_in))

    assert page.status_code == 200
    fields = {f.name: f for f in page.context["fields"]}
    assert fields["patient_dob"].percent == 95
    assert "Take the referral in" in page.text
    assert "open the PDF as it arrived" in page.text


def test_the_original_pdf_is_served_as_it_arrived(signed_in: SignIn) -> None:
    message_id = _upload(signed_in).split("/")[-1].split("?")[0]

    document = signed_in("coordinator").get(f"/admin/intake/{message_id}/document")

    assert document.status_code == 200
    assert document.headers["content-type"] == "application/pdf"
    assert document.content == PDF
    # Downloaded, never rendered as a page of the dashboard's origin.
    assert document.headers["content-disposition"] == f'attachment; filename="{message_id}.pdf"'
    assert document.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in document.headers["content-security-policy"]
    assert "default-src 'none'" in document.headers["content-security-policy"]


def test_an_uploaded_file_name_is_neither_kept_nor_shown(signed_in: SignIn,
                                                         engine: Engine) -> None:
    coordinator = signed_in("coordinator")
    response = coordinator.client.post(
        "/admin/intake/pdf", data={"csrf_token": coordinator.csrf},
        files={"file": ("ZAPATERO_XIMENA_1931-07-23.pdf", PDF, "application/pdf")})
    page = coordinator.get(response.headers["location"])
    message_id = response.headers["location"].split("/")[-1].split("?")[0]

    assert "ZAPATERO" not in page.text and "ZAPATERO" not in response.headers["location"]
    with session_scope(engine) as session:
        sender = session.get(IntakeMessage, message_id).sender
    assert sender.startswith("staff:") and sender.endswith(" (dashboard)")
    assert "ZAPATERO" not in sender


def test_the_queue_lists_pdfs_to_confirm(signed_in: SignIn) -> None:
    _upload(signed_in)

    page = signed_in("coordinator").get("/admin/intake")

    assert "to confirm" in page.text
    assert "Upload a PDF or fax" in page.text


def test_confirming_with_corrections_takes_the_referral_in(signed_in: SignIn,
                                                           engine: Engine) -> None:
    location = _upload(signed_in)
    message_id = location.split("/")[-1].split("?")[0]
    coordinator = signed_in("coordinator")

    response = coordinator.post(f"/admin/intake/{message_id}/confirm",
                                {"plan": "Anthem Blue Cross Medi-Cal",
                                 "specialty": "dermatology"})

    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/referrals/")
    with session_scope(engine) as session:
        message = session.get(IntakeMessage, message_id)
        referral = session.get(Referral, message.referral_id)
        assert response.headers["location"] == f"/admin/referrals/{referral.id}?done=created"
        assert (referral.source, referral.specialty_key) == ("pdf", "dermatology")
        assert message.extracted["fields"]["plan"]["corrected"] is True


def test_a_confirmation_that_fails_says_what_is_still_wrong(signed_in: SignIn) -> None:
    message_id = _upload(signed_in).split("/")[-1].split("?")[0]
    coordinator = signed_in("coordinator")

    response = coordinator.post(f"/admin/intake/{message_id}/confirm",
                                {"patient_phone": "12"})
    page = coordinator.get(response.headers["location"])

    assert "Not taken in yet" in page.text
    assert "field patient_phone" in page.text


def test_without_tesseract_the_page_says_scans_need_it(signed_in: SignIn,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import referraldesk.admin.pages.intake as intake_page

    monkeypatch.setattr(intake_page, "ocr_available", lambda: False)
    monkeypatch.setattr(reading, "ocr_available", lambda: False)

    page = signed_in("coordinator").get("/admin/intake")

    assert "Scanned faxes need Tesseract OCR" in page.text
    assert "PDFs with a text layer still work" in page.text


def test_staff_without_intake_rights_cannot_upload(signed_in: SignIn) -> None:
    staff = signed_in("staff")

    response = staff.client.post("/admin/intake/pdf", data={"csrf_token": staff.csrf},
                                 files={"file": ("x.pdf", PDF, "application/pdf")})

    assert response.status_code == 403
