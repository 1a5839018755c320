"""HTTP layer: routers parse and authorize, then call one service."""
