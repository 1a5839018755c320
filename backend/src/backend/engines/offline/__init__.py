"""The offline engine (see ``engine.OfflineEngine``)."""
