"""HL7 v2 referral messages: REF^I12/I13/I14 and the IHE 360X OMG^O19 request."""
