"""The largest video allowed (500 MB) goes up through the evidence form into S3 and comes back through the download,
streamed both ways: the process's memory stays bounded, and the hash of what comes back is the file's. It runs once,
in the S3 run (the folder backend streams the same way, through the same views)."""
import hashlib
import os
import re
import threading
import time

import pytest
import sqlalchemy as sa

from ipdesk.evidence.models import EvidenceFile
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from tests.factories import make_case

pytestmark = [pytest.mark.s3, pytest.mark.storage]

MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


class PeakMemory:
    """The most this process held in memory above what it held at the start, sampled every 10 ms."""

    def __init__(self):
        self.base = self.peak = resident_bytes()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._done.wait(0.01):
            self.peak = max(self.peak, resident_bytes())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.base) / (1 << 20)


@pytest.mark.timeout(900)
def test_a_500_mb_video_streams_into_s3_and_back_with_bounded_memory(app, client, factories, login_as, tmp_path):
    size = app.config["EVIDENCE_MAX_MB_VIDEO"] * 1024 * 1024  # exactly the limit
    # the request's body, written to a file as a browser would stream it (the test client would spool its own copy
    # to a temporary file it leaves to the garbage collector)
    boundary = "ipdesk-large-video"
    body, digest = tmp_path / "request-body", hashlib.sha256()
    with body.open("wb") as out:
        for name, value in (("kind", "recording"), ("description", "Raid on the warehouse")):
            out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="raid-footage.mp4"\r\n'
                  f"Content-Type: video/mp4\r\n\r\n".encode())
        block = MP4_HEAD + os.urandom((1 << 20) - len(MP4_HEAD))
        for _megabyte in range(size >> 20):
            out.write(block)
            digest.update(block)
            block = os.urandom(1 << 20)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("evidence")

    began = time.monotonic()
    with body.open("rb") as stream, PeakMemory() as upload_memory:
        response = client.post(f"/cases/{case.id}/evidence", input_stream=stream,
                               content_type=f"multipart/form-data; boundary={boundary}",
                               content_length=body.stat().st_size)
    uploaded_in = time.monotonic() - began
    assert response.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]*)", response.get_data(as_text=True))
    db.session.commit()
    file = db.session.scalar(sa.select(EvidenceFile))
    assert (file.size, file.sha256, file.content_type) == (size, digest.hexdigest(), "video/mp4")
    storage = get_storage()
    head = storage.client.head_object(Bucket=storage.bucket, Key=storage._name(file.storage_key))
    assert head["Metadata"]["sha256"] == digest.hexdigest() and head["ContentLength"] == size
    assert head["ETag"].strip('"').endswith(f"-{-(-size // (app.config['S3_PART_SIZE_MB'] << 20))}")  # in parts

    began = time.monotonic()
    back, received = hashlib.sha256(), 0
    with PeakMemory() as download_memory:
        response = client.get(f"/cases/{case.id}/evidence/files/{file.id}", buffered=False)
        assert response.status_code == 200
        for chunk in response.response:
            back.update(chunk)
            received += len(chunk)
        response.close()
    downloaded_in = time.monotonic() - began
    assert received == size and back.hexdigest() == digest.hexdigest()
    print(f"500 MB video: uploaded in {uploaded_in:.1f} s (memory +{upload_memory.growth_mb:.0f} MB), checked and "
          f"downloaded in {downloaded_in:.1f} s (memory +{download_memory.growth_mb:.0f} MB)")
    assert upload_memory.growth_mb < 100 and download_memory.growth_mb < 100
