"""Executive Analytics Assistant backend."""
