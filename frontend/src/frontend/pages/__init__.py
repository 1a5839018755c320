"""One module per page; each exposes ``build(client, ...)`` and returns its named components."""
