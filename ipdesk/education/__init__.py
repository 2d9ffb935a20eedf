"""Prevention education: country guides (and, to come, education sessions)."""
