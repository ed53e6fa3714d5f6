"""FHIR R4 referral intake: a ServiceRequest, alone or in a transaction Bundle."""
