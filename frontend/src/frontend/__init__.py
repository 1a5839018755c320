"""Executive Analytics Assistant frontend."""
