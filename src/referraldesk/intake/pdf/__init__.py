"""Referrals that arrive as PDFs: faxes and files with or without a text layer.

`reading` turns the file into text (its text layer, else OCR with Tesseract),
`fields` finds the referral's fields in that text with a confidence each, and
`service` keeps the file whole in the intake queue as `needs_review` until a
coordinator confirms or corrects the fields (`review`), which is when the
referral is made. Nothing here commits: the request or the command does.
"""
