"""The ``desk`` fixture (see support/desk.py) for the workflow tests of a task's actions."""

from support.desk import desk

__all__ = ["desk"]
