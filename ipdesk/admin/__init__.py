"""The admin area: users, hubs, countries and the audit log."""
