"""Starts moto's standalone S3-protocol server in a subprocess on a free port, with one empty bucket."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.postgres import free_port
from tests.support.server import stop_process

ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"
REGION = "us-east-1"


@dataclass
class S3Server:
    process: subprocess.Popen[bytes]
    endpoint: str
    bucket: str

    def env(self, prefix: str = "media") -> dict[str, str]:
        """What an app node needs to keep its photos in this server's bucket."""
        return {
            "MEDIA_URL": f"s3://{self.bucket}/{prefix}",
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
        }

    def object_names(self) -> list[str]:
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )
        listing = client.list_objects_v2(Bucket=self.bucket)
        return [item["Key"] for item in listing.get("Contents", [])]

    def stop(self) -> None:
        stop_process(self.process)


def start_s3(log_dir: Path, bucket: str = "pasardesa") -> S3Server:
    port = free_port()
    log = (log_dir / f"moto-{port}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited early: {(log_dir / f'moto-{port}.log').read_text()}")
        try:
            # moto takes unsigned requests: creating the bucket is a plain PUT.
            if httpx.put(f"{endpoint}/{bucket}", timeout=2).status_code == 200:
                return S3Server(process=process, endpoint=endpoint, bucket=bucket)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("moto server did not start")
