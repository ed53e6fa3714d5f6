"""Loop closure: telling the referring practice what became of each referral."""
