"""The site's icon where browsers look for it (/favicon.ico), next to the app icons in /static/icons."""

from __future__ import annotations

from litestar import Response, get

from app.web import STATIC_DIR

_FAVICON = STATIC_DIR / "icons" / "favicon.ico"
_A_WEEK = "public, max-age=604800"


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(_FAVICON.read_bytes(), media_type="image/x-icon", headers={"Cache-Control": _A_WEEK})
