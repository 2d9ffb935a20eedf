"""Notifications: an outbox of e-mails and in-app messages, its sender, reminders and preferences."""
