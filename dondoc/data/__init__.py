"""Packaged defaults of the deployment's data files."""
