"""The cloud-init helper every Heat node fetches Apache releases with: run for real on local files
(curl with file:// URLs), for each checksum layout Apache publishes, and for a corrupted download."""
import hashlib
import io
import os
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

FRAGMENT = Path(__file__).resolve().parents[2] / "heat" / "fragments" / "apache-release.sh"


def helper(tmp_path: Path) -> Path:
    """The script the fragment installs, taken from its heredoc."""
    body = re.search(r"<<'HELPER'\n(.*)\nHELPER\n", FRAGMENT.read_text(), re.S).group(1)
    path = tmp_path / "tweetics-apache-release"
    path.write_text(body + "\n")
    path.chmod(0o755)
    return path


def release(tmp_path: Path, name: str) -> tuple[Path, str]:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        payload = b"release contents\n"
        info = tarfile.TarInfo(f"{name}/README")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    path = tmp_path / "mirror" / f"{name}.tgz"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data.getvalue())
    return path, hashlib.sha512(data.getvalue()).hexdigest()


def layouts(name: str, hexsum: str) -> dict[str, str]:
    upper = hexsum.upper()
    split = " ".join(upper[i:i + 8] for i in range(0, len(upper), 8))
    return {
        "bsd": f"SHA512 ({name}.tgz) = {hexsum}\n",
        "gpg": f"{name}.tgz: {split[:70]}\n{' ' * 16}{split[70:]}\n",
        "sha512sum": f"{hexsum}  {name}.tgz\n",
    }


def run(tmp_path: Path, url: str) -> subprocess.CompletedProcess:
    dest = tmp_path / "opt"
    dest.mkdir(exist_ok=True)
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    env = {**os.environ, "TWEETICS_OPT": str(dest), "TMPDIR": str(work)}
    return subprocess.run([str(helper(tmp_path)), url], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("layout", ["bsd", "gpg", "sha512sum"])
def test_each_published_checksum_layout_is_verified_and_unpacked(tmp_path, layout):
    tgz, hexsum = release(tmp_path, "kafka_2.13-4.3.1")
    Path(f"{tgz}.sha512").write_text(layouts("kafka_2.13-4.3.1", hexsum)[layout])
    proc = run(tmp_path, tgz.as_uri())
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "opt" / "kafka_2.13-4.3.1" / "README").read_text() == "release contents\n"
    assert not list((tmp_path / "work").iterdir())  # the download and its checksum are cleaned up


@pytest.mark.parametrize("layout", ["bsd", "gpg", "sha512sum"])
def test_a_corrupted_download_is_refused(tmp_path, layout):
    tgz, hexsum = release(tmp_path, "spark-4.0.0-bin-hadoop3")
    Path(f"{tgz}.sha512").write_text(layouts("spark-4.0.0-bin-hadoop3", hexsum)[layout])
    tgz.write_bytes(tgz.read_bytes() + b"tampered")
    proc = run(tmp_path, tgz.as_uri())
    assert proc.returncode == 1
    assert "checksum mismatch for spark-4.0.0-bin-hadoop3.tgz" in proc.stderr
    assert not list((tmp_path / "opt").iterdir())
