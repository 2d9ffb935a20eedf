"""Shared building blocks: the model base, labelled enums, i18n helpers and pagination."""
