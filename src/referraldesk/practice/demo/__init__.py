"""The demo practice: its file (practice.yaml) and the seeding of its patients,
bookings and referrals."""
