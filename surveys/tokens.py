"""Invitation tokens: 256 random bits handed out once in a link; the database keeps only the
sha256, so nothing stored can be turned back into a working link."""

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def token_new() -> str:
    """A fresh URL-safe token of 256 bits (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The sha256 hex digest of ``token``, what ``Invitation.token_hash`` holds."""
    return hashlib.sha256(token.encode()).hexdigest()
