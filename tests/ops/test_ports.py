"""The ports handed to the tests' servers stay clear of the ones the OS hands out."""

from __future__ import annotations

from dondoc.devstack.net import _ephemeral_low, free_port


def test_ports_are_distinct_and_below_the_range_bind_zero_draws_from() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(port < _ephemeral_low() for port in ports)
