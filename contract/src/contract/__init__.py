"""The HTTP API's shapes, shared by the backend (which serves them) and the frontend (which reads
them): one definition, so the two cannot drift. Plain pydantic models and no other dependency,
so the frontend's image carries nothing of the backend's.

The backend declares every route's ``response_model`` from here; the frontend's client parses
every answer with the same model. ``tests/contract`` fails when a route serves a model that is
not the one the client reads.
"""
