import pytest
from django.utils import translation

from pingyi.testing import Cast


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.8 s per user; tests need speed, not resistance to cracking.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture
def english(settings):
    """English for code under test and for pages (the default when a request names none)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
