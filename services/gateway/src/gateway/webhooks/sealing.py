"""Webhook secrets sealed at rest: the worker needs each secret itself to sign deliveries, so it
cannot be hashed; it is kept encrypted (Fernet: AES-128-CBC with HMAC-SHA256, from ``cryptography``)
under keys from the environment, so a copy of the database (a backup, a replica) does not let anyone
sign as kaohe.

``GATEWAY_WEBHOOK_KEYS`` is one key or several, comma-separated, each any random text of 32 bytes
or more: the first seals, every one opens (to rotate, put a new key first and keep the old one until
the worker has sealed every webhook again with the new one, which it does on its next round). Unset,
the key is derived from ``GATEWAY_JWT_SECRET``. A secret stored before sealing began is read as it
is and sealed on the worker's next round.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed:v1:"


class SecretUnreadable(Exception):
    """A sealed secret that none of the keys opens (the key it was sealed with is gone)."""


def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"kaohe webhook secrets v1").derive(key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


class Sealer:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key seals webhook secrets")
        self._first = _fernet(keys[0])
        self._all = MultiFernet([self._first, *(_fernet(k) for k in keys[1:])])

    def seal(self, secret: str) -> str:
        return SEALED + self._all.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret of a stored value (one stored before sealing began is the secret itself)."""
        if not stored.startswith(SEALED):
            return stored
        try:
            return self._all.decrypt(stored.removeprefix(SEALED).encode()).decode()
        except InvalidToken:
            raise SecretUnreadable("no key of GATEWAY_WEBHOOK_KEYS opens this webhook's secret") from None

    def resealed(self, stored: str) -> str | None:
        """The value to store instead, if ``stored`` is not sealed with the first key; else None."""
        if stored.startswith(SEALED):
            try:
                self._first.decrypt(stored.removeprefix(SEALED).encode())
                return None
            except InvalidToken:
                pass
        return self.seal(self.open(stored))
