"""FHIR R4 scheduling resources: served for our calendar, read from a practice's EHR."""
