"""Pieces of the page shared by several tabs (the result view, the account line)."""
