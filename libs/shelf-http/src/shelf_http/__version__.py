"""The version is the one pyproject.toml declares, read from the installed package's metadata,
so the two cannot disagree."""

from importlib.metadata import version

__version__ = version("shelf-http")
