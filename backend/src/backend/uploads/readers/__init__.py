"""File formats → ``ParsedTable``s; each reader refuses what it cannot read faithfully."""
