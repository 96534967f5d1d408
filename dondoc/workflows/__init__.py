"""Deterministic workflow code; imports only ``dondoc.domain``."""
