"""When the network is gone: a service worker that shows a small page saying so, instead of the browser's error."""

from __future__ import annotations

from typing import Any, cast

from litestar import Request, Response, get

from app.web import template_environment

OFFLINE_PATH = "/offline"

# Kept deliberately small: only the offline page and what it needs are stored on the phone. Pages
# themselves are never kept (they carry carts, orders and prices that must be fresh).
_WORKER = """/* Pasar Desa: shows the offline page when a page cannot be reached. */
"use strict";
var CACHE = "pasardesa-offline-%(version)s";
var OFFLINE = "%(offline)s";
var ASSETS = [OFFLINE, "/static/css/app.css?v=%(css)s"];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) { return key !== CACHE; }).map(function (key) {
        return caches.delete(key);
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // A page (typed, tapped or boosted by htmx): the network first, the offline page when it fails.
  if (request.mode === "navigate" || request.headers.get("HX-Boosted") === "true") {
    event.respondWith(fetch(request).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  if (ASSETS.indexOf(url.pathname + url.search) !== -1) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  }
});
"""


def _version(request: Request[Any, Any, Any]) -> dict[str, str]:
    return cast("dict[str, str]", template_environment(request).globals["asset_version"])


@get("/sw.js", include_in_schema=False)
async def service_worker(request: Request[Any, Any, Any]) -> Response[str]:
    versions = _version(request)
    version = f"{versions['css']}-{versions['js']}"
    body = _WORKER % {"version": version, "offline": OFFLINE_PATH, "css": versions["css"]}
    # Browsers check for a new worker on each visit; no-cache makes that check reach the server.
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@get(OFFLINE_PATH, include_in_schema=False)
async def offline_page(request: Request[Any, Any, Any]) -> Response[str]:
    # The same for everyone and fetched by the worker in the background: no session, no flash taken.
    page = template_environment(request).get_template("app/offline.html").render()
    return Response(page, media_type="text/html", headers={"Cache-Control": "no-cache"})
