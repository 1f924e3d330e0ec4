import pytest


@pytest.fixture(autouse=True)
def _packages(packages_reused):
    """Playback tests play packages; tests/media and tests/ingest prove how they are built (tests/conftest.py)."""
