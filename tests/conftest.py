"""Shared fixtures: a clock, and databases on SQLite and PostgreSQL (each test gets an empty schema)."""
