"""Tests of notifications: the outbox, its sender, reminders, preferences, the bell and password reset."""
