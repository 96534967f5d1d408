"""The ``console`` fixture (see support/console.py) for the API tests."""

from support.console import console

__all__ = ["console"]
