"""``python -m salessim`` runs the command line."""

from salessim.cli import main

main()
