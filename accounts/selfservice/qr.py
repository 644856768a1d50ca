"""Draw an authenticator-app set-up link as a QR code, on the server, as SVG."""

import io
from urllib.parse import quote, urlencode

import segno


def totp_uri(*, secret: str, account: str, issuer: str) -> str:
    """Return the ``otpauth://`` link authenticator apps read (Google's Key Uri Format).

    https://github.com/google/google-authenticator/wiki/Key-Uri-Format
    """
    label = quote(f"{issuer}:{account}", safe="@")
    return f"otpauth://totp/{label}?{urlencode({'secret': secret, 'issuer': issuer})}"


def qr_svg(data: str) -> bytes:
    """Return ``data`` as an SVG QR code document (served from the site's origin, so CSP's img-src 'self' allows it)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=6, dark="#000", light="#fff", title="Set-up QR code")
    return out.getvalue()
