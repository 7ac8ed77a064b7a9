"""Clients of the services api calls (one module each)."""
