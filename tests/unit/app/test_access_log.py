"""The access log is off unless ACCESS_LOG=1, and stays off after the app's own logging set-up."""

from __future__ import annotations

import logging
import logging.config

from app.logs import ACCESS_LOGGER, configure_server_logging
from app.settings import Settings


def test_access_log_is_off_by_default_and_on_when_asked() -> None:
    assert Settings.from_env({}).access_log is False
    assert Settings.from_env({"ACCESS_LOG": "1"}).access_log is True
    access = logging.getLogger(ACCESS_LOGGER)
    before = access.level
    try:
        configure_server_logging("text", access_log=False)
        # Litestar's logging set-up at startup re-enables every logger it does not name.
        logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
        assert not access.isEnabledFor(logging.INFO)
        configure_server_logging("text", access_log=True)
        assert access.isEnabledFor(logging.INFO)
    finally:
        access.setLevel(before)
