"""Argon2id password hashing (argon2-cffi), with cost from settings."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gateway.config import GatewaySettings


class Passwords:
    def __init__(self, settings: GatewaySettings) -> None:
        self.hasher = PasswordHasher(memory_cost=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost)
        # Verified against when the username is unknown, so timing does not reveal which names exist.
        self.decoy = self.hasher.hash("decoy-password-never-valid")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(password_hash or self.decoy, password) and password_hash is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)
