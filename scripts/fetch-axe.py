"""Fetch axe-core (the accessibility checker the browser tests run) from the npm registry, checked by hash.

No Node.js needed: the package's tarball is downloaded, its SHA-512 compared with the pinned one, and
axe.min.js extracted to .cache/axe-core-<version>/.
"""
import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "4.14.1"
URL = f"https://registry.npmjs.org/axe-core/-/axe-core-{VERSION}.tgz"
INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
TARGET = Path(__file__).resolve().parent.parent / ".cache" / f"axe-core-{VERSION}" / "axe.min.js"


def main() -> int:
    if TARGET.exists():
        return 0
    with urllib.request.urlopen(URL, timeout=60) as response:
        data = response.read()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        print(f"axe-core {VERSION}: the download does not match its pinned hash", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        source = archive.extractfile("package/axe.min.js").read()
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(source)
    print(f"axe-core {VERSION} -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
