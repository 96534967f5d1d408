"""The ``console`` fixture (see support/console.py), for the revocation of agency links."""

from support.console import console

__all__ = ["console"]
