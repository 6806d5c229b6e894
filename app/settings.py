"""Settings parsed once from environment variables into one immutable object."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VAR_DIR = ROOT / "var"
# Printed in the README as demo-only; every real deployment sets DEMO_MODE=0 or its own DEMO_PASSWORD.
DEFAULT_DEMO_PASSWORD = "pasardesa-demo"  # noqa: S105


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ya"}


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    database_url: str = ""
    # Empty means "not configured": app.secrets refuses that in production and keeps one in VAR_DIR otherwise.
    secret_key: str = ""
    # Keys that signed earlier tokens, still accepted for verifying while browsers move to the new one.
    secret_key_previous: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    meili_url: str | None = None
    meili_api_key: str | None = None
    var_dir: Path = DEFAULT_VAR_DIR
    # Empty: photos in VAR_DIR/media. `s3://bucket/prefix`: an S3-compatible store every node shares.
    media_url: str = ""
    aws_access_key_id: str = ""
    aws_secret_access_key: str = field(default="", repr=False)
    aws_endpoint_url: str = ""
    aws_region: str = ""
    demo_mode: bool = True
    demo_password: str = DEFAULT_DEMO_PASSWORD
    debug: bool = False
    # Background relay from the search outbox to the engine; tests switch it off to drive it by hand.
    search_relay: bool = True
    secure_cookies: bool = False
    sql_echo: bool = False
    # Login attempts per minute from one client address, counted in the database for every worker.
    login_rate_limit: int = 10
    # Sign-ups, password-link uses and invitation acceptances per client address per 10 minutes.
    account_rate_limit: int = 20
    # Staff (cooperative roles above member, operators, pendamping) are signed out after this long
    # without a request, and after STAFF_SESSION_HOURS whatever they do; residents stay 30 days.
    staff_idle_minutes: int = 30
    staff_session_hours: int = 12
    # Orders an hour from one client address (generous: many phones share one carrier address) and for
    # one buyer's phone number; over either, 429 and no order. 0 switches a limit off.
    order_rate_limit_address: int = 60
    order_rate_limit_phone: int = 10
    # Peers whose X-Forwarded-For is believed (addresses or CIDRs); everyone else is their own address.
    trusted_proxies: tuple[str, ...] = ()
    # "json": one JSON object per log line, for log collectors; anything else: plain text.
    log_format: str = "text"
    # One line per request costs a few percent of a page's time; ACCESS_LOG=1 turns it on.
    access_log: bool = False

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite+aiosqlite:///{self.var_dir / 'pasardesa.sqlite3'}")

    @property
    def is_production(self) -> bool:
        """PostgreSQL or DEMO_MODE=0: a real deployment, which must be configured, never guessed."""
        return not self.is_sqlite or not self.demo_mode

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @functools.cached_property
    def sqlite_file(self) -> Path | None:
        """The SQLite database's file; None for PostgreSQL or an in-memory database."""
        if not self.is_sqlite:
            return None
        database = make_url(self.database_url).database
        return Path(database) if database and database != ":memory:" else None

    @property
    def search_index_dir(self) -> Path:
        return self.var_dir / "search"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR") or DEFAULT_VAR_DIR)
        database_url = normalise_database_url(env.get("DATABASE_URL", ""))
        # The demo (with its published password) is the embedded default only; PostgreSQL asks for it by name.
        demo_default = not database_url or database_url.startswith("sqlite")
        return cls(
            database_url=database_url,
            secret_key=env.get("SECRET_KEY", "").strip(),
            secret_key_previous=_list(env.get("SECRET_KEY_PREVIOUS")),
            host=env.get("HOST", "127.0.0.1"),
            port=int(env.get("PORT", "8000")),
            workers=int(env.get("WORKERS", "1")),
            meili_url=env.get("MEILI_URL") or None,
            meili_api_key=env.get("MEILI_API_KEY") or None,
            var_dir=var_dir,
            media_url=env.get("MEDIA_URL", "").strip(),
            aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "").strip(),
            aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "").strip(),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL", "").strip(),
            aws_region=(env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "").strip(),
            demo_mode=_bool(env.get("DEMO_MODE"), demo_default),
            demo_password=env.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD,
            debug=_bool(env.get("DEBUG"), False),
            search_relay=_bool(env.get("SEARCH_RELAY"), True),
            secure_cookies=_bool(env.get("SECURE_COOKIES"), False),
            login_rate_limit=int(env.get("LOGIN_RATE_LIMIT", "10")),
            account_rate_limit=int(env.get("ACCOUNT_RATE_LIMIT", "20")),
            staff_idle_minutes=int(env.get("STAFF_IDLE_MINUTES", "30")),
            staff_session_hours=int(env.get("STAFF_SESSION_HOURS", "12")),
            order_rate_limit_address=int(env.get("ORDER_RATE_LIMIT_ADDRESS", "60")),
            order_rate_limit_phone=int(env.get("ORDER_RATE_LIMIT_PHONE", "10")),
            trusted_proxies=_list(env.get("TRUSTED_PROXIES")),
            log_format=(env.get("LOG_FORMAT") or "text").strip().lower(),
            access_log=_bool(env.get("ACCESS_LOG"), False),
        )


def normalise_database_url(url: str) -> str:
    """Accept the URLs operators usually have and pick the async driver for them."""
    url = url.strip()
    if not url:
        return ""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url
