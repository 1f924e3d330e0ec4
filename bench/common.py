"""Pieces the benchmarks share (run as `python bench/<name>.py`, so this directory is on sys.path)."""

import socket


def free_port() -> int:
    """A TCP port nothing listens on now, for a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
