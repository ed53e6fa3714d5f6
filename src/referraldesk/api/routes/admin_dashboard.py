"""`/admin`: the staff dashboard (`referraldesk.admin`), mounted as an application of its own."""

from __future__ import annotations

from fastapi import APIRouter

from referraldesk.admin.app import PREFIX, mountable

router = APIRouter()
router.mount(PREFIX, mountable(), name="admin")
