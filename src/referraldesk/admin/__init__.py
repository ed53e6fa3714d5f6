"""The staff dashboard under /admin: worklists, the referral board, numbers, settings, audit.

Server-rendered (FastAPI + Jinja2), mounted into the product's app by
`api/routes/admin_dashboard.py`. A module per page in `pages/` (its routes), the
reads each page shows in `queries/`, who may see and do what in `access.py`, SVG
charts in `charts.py`. Sign-in and sessions live in `referraldesk.auth`.
"""
