"""Reaching a ``dask.distributed`` scheduler given by address (``--scheduler ADDRESS``).

Workers started with the standard ``dask scheduler`` / ``dask worker`` commands run the
same tasks as the local scheduler; they must see the input files and the store under the
same paths (a shared file system). An address that answers nothing is one clear line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from seisview.core.errors import SeisviewError

CONNECT_TIMEOUT = "10s"


@contextlib.contextmanager
def connect(address: str) -> Iterator:
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:8786``), closed after."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SeisviewError(f"no dask scheduler answers at {address} ({type(exc).__name__}: {exc})",
                            hint="start one with `dask scheduler` and workers with `dask worker "
                            "ADDRESS`, or leave --scheduler out to run here") from None
    try:
        yield client
    finally:
        client.close()
