"""Security headers on every HTTP response of the app, without overriding a page's own.

The chat page and the dashboard set a Content-Security-Policy fitted to their own
scripts and styles; everything else (JSON, HL7 ACKs, TwiML, PDFs) is never meant to
be rendered or framed, so its default policy allows nothing. The interactive API
docs load Swagger UI and ReDoc from a CDN with an inline bootstrap script and get a
policy that allows exactly that. HSTS is sent only when the public URL is https:
over plain http a browser ignores it, and a development server should not pin it.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOTHING_RENDERED = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI's page starts itself with an inline script and styles its widgets inline;
# everything it loads comes from this origin (routes/api_docs.py).
API_DOCS = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'"
)
DOC_PATHS = ("/docs",)
# One year: the usual value for a site that is https only.
HSTS = "max-age=31536000; includeSubDomains"

BASELINE = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# Patient data passes through these: no shared or browser cache may keep it.
NO_STORE_PREFIXES = ("/api/", "/fhir")


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        wanted = self.headers_for(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def headers_for(self, path: str) -> dict[str, str]:
        """The headers a response on `path` gets unless it sets them itself."""
        is_docs = path.startswith(DOC_PATHS)
        wanted = {**BASELINE, "Content-Security-Policy": API_DOCS if is_docs else NOTHING_RENDERED}
        if path.startswith(NO_STORE_PREFIXES):
            wanted["Cache-Control"] = "no-store"
        if self.https:
            wanted["Strict-Transport-Security"] = HSTS
        return wanted
