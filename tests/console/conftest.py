"""The ``console`` fixture (see support/console.py) for the console's tests."""

from support.console import console

__all__ = ["console"]
