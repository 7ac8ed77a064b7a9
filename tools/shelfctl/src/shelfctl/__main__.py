"""`python -m shelfctl`."""

from .cli import main

main()
