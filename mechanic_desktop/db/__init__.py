"""Persistence: engine, tables, repositories, unit of work, migrations. No Qt here."""
