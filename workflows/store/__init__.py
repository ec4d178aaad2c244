"""The store: tables, migrations, the database engine and unit of work, settings, secrets and files on disk."""
