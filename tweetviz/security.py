"""Security headers on every response: a strict CSP (no inline script or style) and friends."""

from __future__ import annotations

from flask import Flask, Response, request

from .config import frame_ancestors

CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",          # app.js and the bundled plotly.min.js, nothing inline
    "style-src 'self'",
    "img-src 'self' data:",       # plotly's modebar draws data: SVG icons
    "font-src 'self'",
    "connect-src 'self'",         # EventSource and fetch to our own API
    "base-uri 'none'",
    "form-action 'none'",
))

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def init_app(app: Flask) -> None:
    """Register the header hook (and HSTS when the app is served over TLS).

    ``FRAME_ANCESTORS`` (default 'none') says who may embed the page; X-Frame-Options, which
    cannot name origins, is sent (DENY) only while nobody may.
    """
    hsts = bool(app.config.get("HSTS"))
    ancestors = frame_ancestors(str(app.config.get("FRAME_ANCESTORS", "'none'")))
    headers = {"Content-Security-Policy": f"{CSP}; frame-ancestors {ancestors}", **HEADERS}
    if ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
