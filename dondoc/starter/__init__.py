"""The command line, notice intake and the dev launcher."""
