import datetime as dt

import pytest

from reelhouse.accounts.services import user_create
from reelhouse.core import clock
from tests.conftest import with_role


@pytest.fixture(autouse=True)
def _support_files(settings, tmp_path):
    settings.REELHOUSE_SUPPORT_FILES_DIR = tmp_path / "support-files"
    settings.REELHOUSE_SUPPORT_EMAIL = "support@reelhouse.test"


@pytest.fixture
def agent(db):
    user = user_create(email="agent@example.com", password="x" * 16, display_name="Agnes", is_staff=True)
    with_role(user, "support agent")
    return user


@pytest.fixture
def agent_client(agent):
    """The agent's own browser (separate from `client`, which tests sign in as others)."""
    from django.test import Client

    client = Client()
    client.force_login(agent)
    return client


def wait_for_form():
    """Visitors' forms must have been shown a few seconds before they are sent (bots post at once)."""
    clock.advance(dt.timedelta(seconds=5))
