"""Calls from auth to other Shelf services."""
