"""REELHOUSE_STORAGE_URL: local disk by default, an S3-compatible bucket by URL, and a clear error for anything else."""

import pytest

from reelhouse.core.storage import LOCAL_BACKEND, S3_BACKEND, StorageConfigError, storage_backend

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize("url, expected", [
    ("", {"BACKEND": LOCAL_BACKEND}),
    ("file:", {"BACKEND": LOCAL_BACKEND}),
    ("s3://media", {"bucket_name": "media", "location": "", "endpoint_url": None, "addressing_style": "auto",
                    "region_name": "us-east-1"}),
    ("s3://media/site-a/?endpoint=http://10.0.0.5:8333", {"bucket_name": "media", "location": "site-a",
                                                          "endpoint_url": "http://10.0.0.5:8333",
                                                          "addressing_style": "path"}),
    ("s3://media?endpoint=https://r2.example&region=auto&addressing=virtual",
     {"endpoint_url": "https://r2.example", "region_name": "auto", "addressing_style": "virtual"}),
])
def test_storage_url_gives_the_backend_and_its_options(url, expected):
    backend = storage_backend(url)
    if backend["BACKEND"] == LOCAL_BACKEND:
        assert backend == expected
        return
    assert backend["BACKEND"] == S3_BACKEND
    assert {k: backend["OPTIONS"][k] for k in expected} == expected
    assert "access_key" not in backend["OPTIONS"]  # left to boto3's own lookup (environment, instance role)


def test_keys_given_are_passed_on():
    options = storage_backend("s3://media", access_key="AK", secret_key="SK")["OPTIONS"]
    assert (options["access_key"], options["secret_key"]) == ("AK", "SK")


@pytest.mark.parametrize("url, says", [
    ("/var/lib/reelhouse/media", "expected empty"),
    ("http://bucket.example/", "expected empty"),
    ("s3://", "expected empty"),
    ("s3://media?endpoint=http://x&secret=leak", "unknown option(s) secret"),
])
def test_a_malformed_storage_url_is_refused_saying_what_is_expected(url, says):
    with pytest.raises(StorageConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        storage_backend(url)
