"""Security headers on every response: a strict CSP (no inline script or style) and friends."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",          # app.js and the bundled plotly.min.js, nothing inline
    "style-src 'self'",
    "img-src 'self' data:",       # plotly's modebar draws data: SVG icons
    "font-src 'self'",
    "connect-src 'self'",         # EventSource and fetch to our own API
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def init_app(app: Flask) -> None:
    """Register the header hook (and HSTS when the app is served over TLS)."""
    hsts = bool(app.config.get("HSTS"))

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
