"""A throwaway installation (migrated, demo data) and the environment to serve it as an operator would."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.settings import Settings
from tests.conftest import DEMO_PASSWORD, _prepare, make_settings
from tests.support.postgres import PgCluster

RESIDENT_PHONE = "081200009001"
# uvicorn believes X-Forwarded-For from loopback unless told otherwise; the tests connect from
# loopback and must see what the app itself decides (a documentation-only address: trust nobody here).
UVICORN_TRUSTS_NOBODY = "192.0.2.1"


def installation(request: pytest.FixtureRequest, tmp: Path, backend: str, name: str) -> Settings:
    if backend == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        settings = make_settings(tmp, cluster.create_database(name))
    else:
        settings = make_settings(tmp)
    _prepare(settings)
    return settings


def env_for(settings: Settings, **overrides: str) -> dict[str, str]:
    """Like tests.conftest.server_env, but without a SECRET_KEY unless one is given."""
    env = {
        "DATABASE_URL": settings.database_url,
        "VAR_DIR": str(settings.var_dir),
        "SECRET_KEY": "",
        "SECRET_KEY_PREVIOUS": "",
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "DEMO_MODE": "1",
        "LOGIN_RATE_LIMIT": "10000",
        "ACCOUNT_RATE_LIMIT": "10000",
        "ORDER_RATE_LIMIT_ADDRESS": "0",
        "ORDER_RATE_LIMIT_PHONE": "0",
        "TRUSTED_PROXIES": "",
        "FORWARDED_ALLOW_IPS": UVICORN_TRUSTS_NOBODY,
    }
    env.update(overrides)
    return env


def away_from_minute_boundary(margin: float = 12.0) -> None:
    """Fixed one-minute windows: start a counting test where it cannot straddle two windows."""
    into = time.time() % 60
    if into > 60 - margin:
        time.sleep(60 - into + 0.5)
