"""shelfctl: the operator's command line for Shelf, talking to the services over HTTP only."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("shelfctl")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
