"""Accounts: registration, invitations, sign-in, sessions and passwords."""
