"""referraldesk: a bilingual AI front desk that closes the loop on specialist referrals."""

__version__ = "0.1.0"
