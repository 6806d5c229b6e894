"""Pasar Desa application: factory, settings, database, accounts and the web plumbing."""
