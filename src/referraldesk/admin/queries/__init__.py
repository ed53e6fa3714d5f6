"""What the dashboard pages show, each read from the database in a bounded number of queries.

Lists are limited or paginated and counts are GROUP BY in the database, so a page
costs the same at 100 conversations as at 100,000.
"""
