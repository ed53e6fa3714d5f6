"""Patients' data rights (CCPA, CMIA): the request log, access exports, erasure, opt-outs,
the retention purge and the per-conversation recording notice.

Every action here is authorized by role (`permissions`), needs a reason, is audited and
flushes only: the request, the command or the job owns the transaction.
"""
