"""Both storage backends, each against the real thing: a folder, and moto's S3 server on loopback."""
from __future__ import annotations

import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import boto3
import pytest

from core.storage import FileMissing, LocalStorage, S3Storage, StorageError


@pytest.fixture(scope="module")
def bucket(moto_endpoint):
    name = "storydesk-storage-test"
    boto3.client("s3", endpoint_url=moto_endpoint, region_name="eu-west-2").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    return name


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "files", secret="k" * 32, expires=60)
    return S3Storage(request.getfixturevalue("bucket"), request.getfixturevalue("moto_endpoint"), expires=120)


def test_put_open_delete(storage):
    storage.put("packs/a.zip", b"PK\x03\x04 zip bytes", "application/zip")
    assert storage.exists("packs/a.zip")
    assert storage.open("packs/a.zip") == b"PK\x03\x04 zip bytes"
    storage.delete("packs/a.zip")
    assert not storage.exists("packs/a.zip")
    with pytest.raises(FileMissing):
        storage.open("packs/a.zip")
    storage.delete("packs/a.zip")  # deleting twice is fine
    storage.check()


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../../b", "", "white space"])
def test_keys_cannot_escape(storage, key):
    with pytest.raises(StorageError):
        storage.put(key, b"x", "text/plain")


def test_s3_objects_are_encrypted_at_rest(bucket, moto_endpoint):
    storage = S3Storage(bucket, moto_endpoint)
    storage.put("photos/p.jpg", b"\xff\xd8", "image/jpeg")
    head = storage.client.head_object(Bucket=bucket, Key="photos/p.jpg")
    assert head["ServerSideEncryption"] == "AES256"


def test_s3_download_urls_are_short_lived_sigv4_and_work(bucket, moto_endpoint):
    storage = S3Storage(bucket, moto_endpoint, expires=120)
    storage.put("packs/p.zip", b"pack", "application/zip")
    url = storage.download_url("packs/p.zip", filename="pitch-pack.zip")
    query = parse_qs(urlparse(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert int(query["X-Amz-Expires"][0]) <= 300
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"pack"
    storage.delete("packs/p.zip")
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url, timeout=10)


def test_local_download_route_needs_a_valid_unexpired_signature(app, client):
    from core.storage import get_storage

    storage = get_storage()
    if not isinstance(storage, LocalStorage):
        pytest.skip("the app is on S3 in this run")
    storage.put("packs/x.zip", b"zip", "application/zip")
    url = storage.download_url("packs/x.zip")
    assert client.get(url).data == b"zip"
    assert client.get("/files/packs/x.zip").status_code == 404
    assert client.get(url.replace("signature=", "signature=0")).status_code == 404
    expired_at = int(time.time()) - 1
    expired = f"/files/packs/x.zip?expires={expired_at}&signature={storage.signature('packs/x.zip', expired_at)}"
    assert client.get(expired).status_code == 404
