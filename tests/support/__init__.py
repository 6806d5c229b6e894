"""Test helpers: a throwaway PostgreSQL cluster, a live app server, database fixtures."""
