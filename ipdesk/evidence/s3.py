"""Evidence files in S3-compatible object storage (AWS S3, MinIO, Ceph, SeaweedFS), through boto3.

An upload is first copied to a local temporary file while its SHA-256 is computed, then sent to the object store.
S3 takes an object's metadata when the upload begins, before the last byte is read, and the whole file's SHA-256
belongs in it (``x-amz-meta-sha256``, beside the row's copy). Of the two ways to have the hash by then, spooling
was chosen over uploading and then copying the object onto itself with new metadata: the copy would write every
byte twice on the server and leave the object without its hash meanwhile, and the checks that refuse a file while
it streams (its size, a second file riding along) would run while the bytes were already on their way. Spooled,
a refused file never reaches the store; and the spool, on the disk Werkzeug already spools uploads to, is an
unlinked file, so a process that dies leaves nothing of it behind.

From the spool, a file up to ``S3_PART_SIZE_MB`` goes up in one PUT with its SHA-256 as the object's checksum; a
larger one in parts of that size (more if it would need more than 10,000), each with its own SHA-256 checksum that
the store checks as it arrives and keeps with the object (a composite checksum). At most one part is in memory at a
time. Nothing is visible under the key until the multipart upload completes; any failure aborts it, and an upload
whose process died before it could (or whose abort the store did not answer) is an incomplete multipart upload:
``pending_uploads`` lists those, and ``flask evidence verify --repair`` aborts them after the grace period.

Objects are read as they stream: ``open`` gives a seekable reader that fetches from its position onwards and, on
every request, only from the version it first saw (``If-Match`` on the ETag), so a file hashed then served is the
same bytes both times. Any error of the store (it is down, it answers 5xx, the credentials are refused) becomes a
``StorageUnavailable``; a missing object is a FileNotFoundError, as on disk.
"""
import base64
import hashlib
import io
import math
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ipdesk.evidence.storage import CHUNK, PendingUpload, StorageUnavailable, Stored, check_key, is_key, new_key

MAX_PARTS = 10_000
NOT_FOUND = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchUpload"})
HASH_METADATA = "sha256"  # sent as x-amz-meta-sha256


def _checksum(digest) -> str:
    """An S3 SHA-256 checksum: the digest in base64."""
    return base64.b64encode(digest.digest()).decode()


@contextmanager
def _store(what: str):
    """Errors of the store as this module gives them: a missing object as FileNotFoundError, anything else as
    StorageUnavailable (saying what was being done)."""
    try:
        yield
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code"))
        if code in NOT_FOUND:
            raise FileNotFoundError(f"{what}: {code}") from error
        raise StorageUnavailable(f"{what}: {error}") from error
    except BotoCoreError as error:  # no answer, a timeout, a connection cut mid-stream
        raise StorageUnavailable(f"{what}: {error}") from error


class S3Storage:
    """Objects named ``<prefix><first two characters of the key>/<key>`` in one bucket."""

    def __init__(self, *, endpoint_url: str, bucket: str, region: str, access_key_id: str, secret_access_key: str,
                 prefix: str = "", part_size: int = 8 * 1024 * 1024):
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.part_size = part_size
        self.client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(
                s3={"addressing_style": "path"},  # what MinIO, Ceph and SeaweedFS answer without DNS set up
                connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=32,  # a download holds one while it streams; a process serves several
                # the SHA-256 checksums are given explicitly; no CRC32 of boto3's own on top
                request_checksum_calculation="when_required", response_checksum_validation="when_required"))

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{check_key(key)}"

    def put(self, stream: BinaryIO, *, key: str | None = None) -> Stored:
        final = key or new_key()
        name = self._name(final)
        with tempfile.TemporaryFile() as spool:
            digest, size = hashlib.sha256(), 0
            for chunk in iter(lambda: stream.read(CHUNK), b""):  # a refusal raised here stores nothing
                digest.update(chunk)
                size += len(chunk)
                spool.write(chunk)
            spool.seek(0)
            metadata = {HASH_METADATA: digest.hexdigest()}
            if size <= self.part_size:
                with _store(f"storing {name}"):
                    self.client.put_object(Bucket=self.bucket, Key=name, Body=spool, ContentLength=size,
                                           ChecksumSHA256=_checksum(digest), Metadata=metadata)
            else:
                self._put_in_parts(name, spool, size, metadata)
        return Stored(final, digest.hexdigest(), size)

    def _put_in_parts(self, name: str, spool: BinaryIO, size: int, metadata: dict) -> None:
        part_size = max(self.part_size, math.ceil(size / MAX_PARTS))
        with _store(f"starting the upload of {name}"):
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=name, Metadata=metadata,
                                                            ChecksumAlgorithm="SHA256")["UploadId"]
        try:
            parts = []
            for number, part in enumerate(iter(lambda: spool.read(part_size), b""), 1):
                checksum = _checksum(hashlib.sha256(part))
                with _store(f"storing part {number} of {name}"):
                    etag = self.client.upload_part(Bucket=self.bucket, Key=name, UploadId=upload_id,
                                                   PartNumber=number, Body=part, ChecksumSHA256=checksum)["ETag"]
                parts.append({"PartNumber": number, "ETag": etag, "ChecksumSHA256": checksum})
            with _store(f"completing the upload of {name}"):
                self.client.complete_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id,
                                                      MultipartUpload={"Parts": parts})
        except BaseException:
            try:
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            except (BotoCoreError, ClientError):
                pass  # the store is down: the upload stays pending until `flask evidence verify --repair`
            raise

    def _head(self, key: str) -> dict:
        name = self._name(key)
        with _store(f"looking up {name}"):
            return self.client.head_object(Bucket=self.bucket, Key=name)

    def open(self, key: str) -> BinaryIO:
        head = self._head(key)
        return io.BufferedReader(ObjectReader(self, self._name(key), head["ContentLength"], head["ETag"]),
                                 buffer_size=CHUNK)

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except FileNotFoundError:
            return False
        return True

    def modified(self, key: str) -> float:
        return self._head(key)["LastModified"].timestamp()

    def delete(self, key: str) -> None:
        name = self._name(key)
        with _store(f"deleting {name}"):
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def list(self) -> Iterator[str]:
        with _store("listing the stored files"):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for entry in page.get("Contents", []):
                    folder, _slash, key = entry["Key"][len(self.prefix):].partition("/")
                    if is_key(key) and key.startswith(folder) and len(folder) == 2:
                        yield key

    def pending_uploads(self) -> Iterator[PendingUpload]:
        with _store("listing the uploads in progress"):
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket,
                                                                                     Prefix=self.prefix):
                for upload in page.get("Uploads", []):
                    handle = (upload["Key"], upload["UploadId"])
                    try:
                        modified = self._last_written(handle, upload["Initiated"].timestamp())
                    except FileNotFoundError:  # finished or aborted meanwhile
                        continue
                    yield PendingUpload(f"{upload['Key']} (upload {upload['UploadId'][:16]})", modified, handle)

    def _last_written(self, handle: tuple[str, str], initiated: float) -> float:
        """When a multipart upload was last written to: its newest part, or its start."""
        name, upload_id = handle
        latest = initiated
        with _store(f"listing the parts of {name}"):
            for page in self.client.get_paginator("list_parts").paginate(Bucket=self.bucket, Key=name,
                                                                         UploadId=upload_id):
                for part in page.get("Parts", []):
                    latest = max(latest, part["LastModified"].timestamp())
        return latest

    def discard_pending(self, upload: PendingUpload, older_than: timedelta) -> bool:
        name, upload_id = upload.handle
        try:
            if time.time() - self._last_written(upload.handle, upload.modified) < older_than.total_seconds():
                return False
            with _store(f"aborting the upload of {name}"):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
        except FileNotFoundError:
            return False
        return True


class ObjectReader(io.RawIOBase):
    """An object read as it streams, from any position: one GET from the position onwards, again after a seek;
    every GET asks for the version first seen, so the bytes cannot change under the reader."""

    def __init__(self, storage: S3Storage, name: str, size: int, etag: str):
        super().__init__()
        self.storage, self.name, self.size, self.etag = storage, name, size, etag
        self.position = 0
        self.body = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        if target < 0:
            raise ValueError("negative seek position")
        if target != self.position:
            self._drop()
        self.position = target
        return target

    def readinto(self, buffer) -> int:
        wanted = min(len(buffer), self.size - self.position)
        if wanted <= 0:
            return 0
        with _store(f"reading {self.name}"):
            if self.body is None:
                self.body = self.storage.client.get_object(
                    Bucket=self.storage.bucket, Key=self.name, Range=f"bytes={self.position}-", IfMatch=self.etag,
                )["Body"]
            data = self.body.read(wanted)
        if not data:
            raise StorageUnavailable(f"reading {self.name}: the object ended after {self.position} of "
                                     f"{self.size} bytes")
        buffer[:len(data)] = data
        self.position += len(data)
        return len(data)

    def _drop(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None

    def close(self) -> None:
        self._drop()
        super().close()
