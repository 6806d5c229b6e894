"""Logging set-up: access lines without query strings, and optional JSON lines for log collectors."""

from __future__ import annotations

import datetime
import json
import logging
from typing import Any

from litestar.logging import LoggingConfig

ACCESS_LOGGER = "uvicorn.access"
# uvicorn's access record: (client, method, path with query string, http version, status).
_PATH_ARG = 2


class StripQueryString(logging.Filter):
    """Order links carry their secret token in the query string; it must not land in access logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) > _PATH_ARG:
            path = args[_PATH_ARG]
            if isinstance(path, str) and "?" in path:
                record.args = (*args[:_PATH_ARG], path.split("?", 1)[0], *args[_PATH_ARG + 1 :])
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.name == ACCESS_LOGGER and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _version, status = record.args
            entry |= {"client": client, "method": method, "path": path, "status": status}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_server_logging(log_format: str, *, access_log: bool = False) -> None:
    """Adjust the loggers the ASGI server set up before the app was created (each worker calls it)."""
    access = logging.getLogger(ACCESS_LOGGER)
    # Off unless asked for (ACCESS_LOG=1), whichever way the server was started. By level: the app's
    # logging set-up later re-enables loggers it does not name, but leaves their level alone.
    access.setLevel(logging.INFO if access_log else logging.WARNING)
    if not any(isinstance(f, StripQueryString) for f in access.filters):
        access.addFilter(StripQueryString())
    if log_format == "json":
        for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER):
            for handler in logging.getLogger(name).handlers:
                handler.setFormatter(JsonFormatter())


def app_logging_config(log_format: str) -> LoggingConfig:
    """The app's own loggers: every unhandled error with its traceback (see app.errors)."""
    formatters: dict[str, dict[str, Any]] = (
        {"standard": {"()": JsonFormatter}}
        if log_format == "json"
        else {"standard": {"format": "%(levelname)s - %(asctime)s - %(name)s - %(module)s - %(message)s"}}
    )
    return LoggingConfig(
        root={"level": "INFO", "handlers": ["queue_listener"]},
        loggers={"pasardesa": {"level": "INFO", "propagate": True}},
        formatters=formatters,
        log_exceptions="never",
    )
