"""Test infrastructure: a throwaway PostgreSQL, real server processes, local protocol fakes."""
