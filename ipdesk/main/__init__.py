"""The home page, language choice, privacy policy and the health check."""
