"""Exporting companies: registration numbers, approval, and their team of users."""
