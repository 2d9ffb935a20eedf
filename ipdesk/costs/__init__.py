"""Costs of cases and the programme's cost-share rules (the subsidy)."""
