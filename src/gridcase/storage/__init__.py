"""Where events are kept: SQLite in a file by default, PostgreSQL at scale, chosen by URL.

eventsourcing's own recorders, subclassed to write gridcase's command and case-index
rows in the same transaction as the events; the URL parser; the eventsourcing
application and its transcodings; and read access to the ordered log for projections.
"""
