"""Search across what a user may see (issue 22): the text of every record kind, normalised and indexed alike on
SQLite and PostgreSQL."""
