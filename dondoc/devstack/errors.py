"""Why the embedded stack cannot start or keep running."""


class DevError(Exception):
    """Worded for the person at the terminal."""
