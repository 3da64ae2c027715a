"""`python -m connectors.zoho_books.emulator [--port 8765 ...]`."""

from ._cli import main

main()
