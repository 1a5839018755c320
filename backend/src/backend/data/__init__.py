"""Data access: the app database (engine, models, migrations, repositories)."""
