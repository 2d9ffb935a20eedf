"""Deadlines: manual ones, and ones computed from rules per jurisdiction and procedure."""
