"""Question engines behind one interface (``base.Engine``): offline and OpenAI."""
