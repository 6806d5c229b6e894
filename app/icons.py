"""The site's icon where browsers look for it (/favicon.ico) and the installable web app's manifest."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from app.i18n import N_, _, get_locale
from app.web import STATIC_DIR

_FAVICON = STATIC_DIR / "icons" / "favicon.ico"
_A_WEEK = "public, max-age=604800"


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response[bytes]:
    return Response(_FAVICON.read_bytes(), media_type="image/x-icon", headers={"Cache-Control": _A_WEEK})


MANIFEST: dict[str, Any] = {
    "name": "Pasar Desa",
    "short_name": "Pasar Desa",
    "description": N_("Pasar koperasi desa: belanja dari koperasi desa Anda, ambil atau diantar."),
    "lang": "id",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#faf8f6",
    "theme_color": "#b3261e",
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
        {"src": "/static/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ],
}


@get("/manifest.webmanifest", include_in_schema=False, sync_to_thread=False)
def manifest() -> Response[dict[str, Any]]:
    # Browsers fetch the manifest without cookies: its language follows the device's (Accept-Language).
    body = MANIFEST | {"description": _(MANIFEST["description"]), "lang": get_locale()}
    headers = {"Cache-Control": _A_WEEK, "Vary": "Accept-Language"}
    return Response(body, media_type="application/manifest+json", headers=headers)
