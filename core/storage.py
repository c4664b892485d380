"""Where files live: a local folder or an S3 bucket, behind one small interface."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,254}$")


class StorageError(RuntimeError):
    pass


class FileMissing(StorageError):
    pass


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise StorageError("invalid storage key")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def open(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...
    def exists(self, key: str) -> bool: ...
    def download_url(self, key: str, filename: str | None = None) -> str: ...
    def check(self) -> None: ...


class LocalStorage:
    """Files in a folder; downloads go through a signed, short-lived route of the app."""

    def __init__(self, root: str | os.PathLike, secret: str, expires: int = 300, url_prefix: str = "/files") -> None:
        self.root = Path(root)
        self.secret = secret.encode()
        self.expires = expires
        self.url_prefix = url_prefix

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def open(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise FileMissing("no such file") from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def signature(self, key: str, expires_at: int) -> str:
        return hmac.new(self.secret, f"{key}\n{expires_at}".encode(), hashlib.sha256).hexdigest()

    def download_url(self, key: str, filename: str | None = None) -> str:
        expires_at = int(time.time()) + self.expires
        query = {"expires": expires_at, "signature": self.signature(check_key(key), expires_at)}
        return f"{self.url_prefix}/{key}?{urlencode(query)}"

    def verify(self, key: str, expires: str | None, signature: str | None) -> bool:
        try:
            expires_at = int(expires or "")
        except ValueError:
            return False
        if expires_at < time.time() or not signature:
            return False
        try:
            expected = self.signature(check_key(key), expires_at)
        except StorageError:
            return False
        return hmac.compare_digest(expected, signature)

    def check(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if not os.access(self.root, os.W_OK):
            raise StorageError("files folder is not writable")


class S3Storage:
    """An S3-compatible bucket; objects are encrypted at rest, downloads are presigned."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, region: str = "eu-west-2", expires: int = 300) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.expires = expires
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            config=Config(signature_version="s3v4", retries={"max_attempts": 3}, connect_timeout=5, read_timeout=30),
        )

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=check_key(key), Body=data, ContentType=content_type, ServerSideEncryption="AES256"
        )

    def open(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"].read()
        except self.client.exceptions.NoSuchKey as exc:
            raise FileMissing("no such file") from exc

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise

    def download_url(self, key: str, filename: str | None = None) -> str:
        params = {"Bucket": self.bucket, "Key": check_key(key)}
        if filename:
            params["ResponseContentDisposition"] = f'attachment; filename="{filename}"'
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.expires)

    def check(self) -> None:
        self.client.head_bucket(Bucket=self.bucket)


def storage_from_config(config) -> Storage:
    if config.get("S3_BUCKET"):
        return S3Storage(
            config["S3_BUCKET"], config.get("S3_ENDPOINT_URL"), config.get("S3_REGION", "eu-west-2"),
            config.get("DOWNLOAD_URL_SECONDS", 300),
        )
    return LocalStorage(config["FILES_DIR"], config["SECRET_KEY"], config.get("DOWNLOAD_URL_SECONDS", 300))


def read_if_present(storage: Storage, key: str | None) -> bytes | None:
    """The file's bytes, or None when there is no key or the file has gone."""
    if not key:
        return None
    try:
        return storage.open(key)
    except FileMissing:
        return None


def file_response(key: str, content_type: str, cache_control: str = "private, no-store"):
    """Serve a stored file through the app (never cached by the browser); 404 when it has gone."""
    from flask import Response, abort

    data = read_if_present(get_storage(), key)
    if data is None:
        abort(404)
    return Response(data, mimetype=content_type, headers={"Cache-Control": cache_control})


def get_storage() -> Storage:
    from flask import current_app

    return current_app.extensions["storydesk.storage"]
