"""Spreadsheet uploads (CSV, Excel xlsx, Parquet) turned into tables the owner can ask about.

``readers`` turn a file into typed tables (or refuse it with a 422 that says why), ``storage``
keeps them where every backend replica can read them (a schema and read-only role per upload in
the app's PostgreSQL; a read-only SQLite file per upload on embedded defaults), ``service``
enforces the size limit and the per-user allowance and records the upload as a connection row,
so it is listed, resolved, guarded and capped exactly like a user's own database.
"""
