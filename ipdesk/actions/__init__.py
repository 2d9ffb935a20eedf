"""Administrative actions and civil litigation: the damage-relief routes of a case."""
