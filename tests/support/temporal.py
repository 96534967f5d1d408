"""Temporal test servers from the installed packages; nothing is downloaded."""

from dondoc.starter.binaries import installed_binary

__all__ = ["installed_binary"]
