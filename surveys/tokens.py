"""Invitation tokens, derived rather than stored (like Django's password-reset tokens).

Each invitation has a ``token_salt`` of 256 random bits. Its token is
``base64url(HMAC-SHA256(key, salt))`` without padding (43 characters, 256 bits), the key
derived from ``SECRET_KEY`` for this one purpose (``salted_hmac``). The database keeps the
salt and ``sha256(token)``: the hash is the indexed lookup of a presented link, and the salt
lets the e-mails carry the very same link every time (the invitation, the sweeper's second
try, each reminder) without storing it. A database leak alone yields no working link: the key
is not in the database.

The message is the salt alone, not the invitation's pk: an import inserts hundreds of
invitations in one statement and the unique hash must be known at the INSERT. The salt is
already unique to the invitation (256 random bits); a new salt is a new link ("issue a new
link"), and the old one stops working.

``SECRET_KEY_FALLBACKS`` are honoured when re-deriving a stored link, so rotating the
secret key keeps the links sent under the old one (while it is listed). An invitation whose
hash matches no key's token (created before tokens were derived, or the demo's fixed token)
has a link that cannot be re-derived: nothing e-mails it (see ``token_for``)."""

import base64
import hashlib
import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.crypto import salted_hmac

if TYPE_CHECKING:  # the model's default salt comes from here
    from surveys.models import Invitation

TOKEN_BYTES = 32  # 256 bits
KEY_SALT = "jointplan.surveys.invitation"


class TokenNotDerivable(Exception):
    """The invitation's stored hash belongs to no token this server can derive."""


def token_salt_new() -> str:
    """A fresh salt: 32 random bytes as 64 hex characters."""
    return secrets.token_hex(TOKEN_BYTES)


def token_derive(salt: str, secret: str | bytes | None = None) -> str:
    """The token of ``salt`` under ``secret`` (``SECRET_KEY`` when not given)."""
    digest = salted_hmac(KEY_SALT, salt, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_hash(token: str) -> str:
    """The sha256 hex digest of ``token``, what ``Invitation.token_hash`` holds."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(invitation: "Invitation") -> str:
    """The invitation's working token: derived from its salt under the current secret key or,
    after a key rotation, under one of ``SECRET_KEY_FALLBACKS``. ``TokenNotDerivable`` when
    no key gives the stored hash."""
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])):
        token = token_derive(invitation.token_salt, secret)
        if secrets.compare_digest(token_hash(token), invitation.token_hash):
            return token
    raise TokenNotDerivable(f"Invitation {invitation.pk}: its link cannot be derived.")


def token_new() -> str:
    """A random token that belongs to no salt (tests and fixed links only: real invitations
    get theirs from ``token_derive``)."""
    return secrets.token_urlsafe(TOKEN_BYTES)
