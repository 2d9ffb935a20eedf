"""Evidence: items and their files, content-checked uploads, storage, SHA-256 integrity and chain of custody."""
