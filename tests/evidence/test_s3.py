"""What only the S3 backend does, on a real SeaweedFS: parts with their checksums, the file's hash in the object's
metadata, and a multipart upload left by a process that died, which `flask evidence verify --repair` aborts."""
import base64
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from types import SimpleNamespace

import pytest

from ipdesk.config import PROJECT_ROOT
from ipdesk.evidence import s3, services
from ipdesk.evidence.storage import get_storage, make_storage
from ipdesk.extensions import db

pytestmark = [pytest.mark.s3, pytest.mark.storage]

PART = 5 << 20
S3_SETTINGS = ("EVIDENCE_STORAGE", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID",
               "S3_SECRET_ACCESS_KEY", "S3_PREFIX")


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def clock_ahead(monkeypatch, minutes: int) -> None:
    """The app's clock for the ages of unfinished uploads, ``minutes`` ahead (an S3 upload cannot be backdated as a
    file can)."""
    ahead = SimpleNamespace(time=lambda: time.time() + minutes * 60)
    for module in (services, s3):
        monkeypatch.setattr(module, "time", ahead)


def test_a_large_file_goes_up_in_parts_with_their_checksums_and_its_hash_in_metadata(s3_server):
    prefix = f"parts-{uuid.uuid4().hex}/"
    storage = make_storage({**s3_server.settings(prefix=prefix), "S3_PART_SIZE_MB": 5})
    content = os.urandom(2 * PART + 12345)
    stored = storage.put(io.BytesIO(content))
    client = s3_server.client()
    head = client.head_object(Bucket=s3_server.bucket, Key=f"{prefix}{stored.key[:2]}/{stored.key}",
                              ChecksumMode="ENABLED")
    assert head["Metadata"] == {"sha256": hashlib.sha256(content).hexdigest()} == {"sha256": stored.sha256}
    parts = [content[start:start + PART] for start in range(0, len(content), PART)]
    # S3's composite checksum: the SHA-256 of the parts' SHA-256s, and how many parts there were
    assert head["ChecksumSHA256"] == b64(hashlib.sha256(b"".join(hashlib.sha256(p).digest() for p in parts))
                                         .digest()) + "-3"
    assert head["ContentLength"] == len(content)

    small = storage.put(io.BytesIO(b"a receipt\n"))
    head = client.head_object(Bucket=s3_server.bucket, Key=f"{prefix}{small.key[:2]}/{small.key}",
                              ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == b64(hashlib.sha256(b"a receipt\n").digest())  # one PUT: the file's own
    assert head["Metadata"] == {"sha256": hashlib.sha256(b"a receipt\n").hexdigest()}


DYING_UPLOAD = """
import io, json, os, sys, time
from ipdesk.evidence.storage import make_storage

storage = make_storage(json.loads(sys.argv[1]))

def hold(request, **kwargs):
    if "partNumber=2" in request.url:
        print("sending part 2", flush=True)
        time.sleep(120)

storage.client.meta.events.register("before-send.s3.UploadPart", hold)
storage.put(io.BytesIO(os.urandom(3 * 5 * 1024 * 1024)))
"""


def test_an_upload_whose_process_died_stays_unfinished_until_repair_aborts_it(app, monkeypatch):
    settings = {name: app.config[name] for name in S3_SETTINGS} | {"S3_PART_SIZE_MB": 5}
    with subprocess.Popen([sys.executable, "-c", DYING_UPLOAD, json.dumps(settings)], cwd=PROJECT_ROOT,
                          stdout=subprocess.PIPE, text=True) as uploader:
        try:
            assert uploader.stdout.readline().strip() == "sending part 2"
        finally:
            os.kill(uploader.pid, signal.SIGKILL)
            uploader.wait(30)
    storage = get_storage()
    assert list(storage.list()) == []  # nothing under a real key
    (pending,) = storage.pending_uploads()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0, result.output  # recent: it could be an upload still running
    assert f"IN PROGRESS: unfinished upload {pending.name}" in result.output

    clock_ahead(monkeypatch, 61)
    result = runner.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1 and f"ABANDONED: unfinished upload {pending.name} that stopped 61 min ago" \
        in result.output
    result = runner.invoke(args=["evidence", "verify", "--repair", "--older-than", "90"])
    assert "IN PROGRESS" in result.output and "0 of them removed" in result.output
    assert len(list(storage.pending_uploads())) == 1
    result = runner.invoke(args=["evidence", "verify", "--repair"])
    assert result.exit_code == 0, result.output
    assert f"REMOVED: unfinished upload {pending.name}" in result.output
    assert "1 abandoned, 1 of them removed" in result.output
    assert list(storage.pending_uploads()) == [] and list(storage.list()) == []
