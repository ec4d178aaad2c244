"""The store: tables, migrations, the database engine and unit of work, settings, secrets and files on disk.

Statements a use case runs on every call are module constants, built once: building and keying a statement costs
SQLAlchemy about twice what running its cached compilation does on SQLite."""
