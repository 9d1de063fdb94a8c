"""The test suite cannot reach the internet: an escape fails loudly and at once."""

import socket

import pytest

from tests.conftest import NetworkEscape


def test_a_connection_to_an_outside_address_fails_loudly() -> None:
    outside = ("149.154.167.220", 443)
    with pytest.raises(NetworkEscape), socket.create_connection(outside, timeout=1):
        pass


def test_resolving_a_public_host_name_fails_loudly() -> None:
    with pytest.raises(NetworkEscape):
        socket.getaddrinfo("api.telegram" + ".org", 443)
