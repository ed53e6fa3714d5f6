"""Open slots and bookings on the built-in calendar.

`windows` parses time-of-week preferences, `slots` computes open slots from the
practice's hours, the providers' weeks and the booked appointments, and `booking`
books, cancels and reschedules against that same computation.
"""
