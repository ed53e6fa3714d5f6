"""The dashboard's routes, a module per page; each exposes `router`."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    # Imported here, not at module level: each page imports the services it shows.
    from referraldesk.admin.pages import (
        audit,
        conversations,
        intake,
        login,
        numbers,
        patients,
        practice,
        referrals,
        rights,
        schedule,
        static,
        today,
    )

    modules = (login, static, today, conversations, referrals, intake, numbers, schedule,
               practice, patients, rights, audit)
    return [module.router for module in modules]
