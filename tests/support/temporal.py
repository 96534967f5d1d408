"""Temporal test servers from the installed packages; nothing is downloaded."""

from dondoc.devstack.binaries import installed_binary

__all__ = ["installed_binary"]
