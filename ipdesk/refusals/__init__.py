"""Refusal reasons: the list admins edit, from which a case is returned or rejected and a company refused."""
