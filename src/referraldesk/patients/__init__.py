"""Patients: identity matching, phones, registration, coverage and consent."""
