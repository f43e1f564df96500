"""Ending sessions, and the password changes and resets that end them."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.password_policy import check_password
from gateway.auth.passwords import Passwords
from gateway.auth.sessions import announce
from gateway.models import RefreshToken, Session, User
from shared.errors import Unprocessable

# What a spent one-time code leaves as the password hash: no password verifies against it.
SPENT = "!spent-one-time-code"


async def revoke_sessions(session: AsyncSession, *, user_id: uuid.UUID, only: uuid.UUID | None = None,
                          keep: uuid.UUID | None = None) -> int:
    """End one session of the user (``only``) or all but ``keep``: its refresh tokens are revoked, and
    every gateway process stops taking its access tokens when this transaction commits. Returns
    how many refresh tokens were still usable."""
    now = datetime.now(UTC)
    sessions = update(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
    tokens = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if only is not None:
        sessions, tokens = sessions.where(Session.id == only), tokens.where(RefreshToken.session_id == only)
    if keep is not None:
        sessions, tokens = sessions.where(Session.id != keep), tokens.where(RefreshToken.session_id != keep)
    await session.execute(sessions.values(revoked_at=now))
    result = await session.execute(tokens.values(revoked_at=now))
    if only is not None:
        await announce(session, sessions=[only])
    else:
        await announce(session, user_id=user_id)
    return int(result.rowcount)  # type: ignore[attr-defined]


class CurrentPasswordWrong(Unprocessable):
    code = "current_password_wrong"
    title = "The current password is wrong"


async def change_password(session: AsyncSession, passwords: Passwords, *, user_id: uuid.UUID,
                          session_id: uuid.UUID, current: str | None, new: str) -> int:
    """Set a new password (checked by the policy) and end every other session of the user, and this
    one too if it may only change the password. The current password is asked for unless this
    sign-in may only change the password (it was opened with it, or with a reset's one-time code,
    moments ago). Returns how many refresh tokens were revoked."""
    user = await session.get(User, user_id, with_for_update=True)
    this = await session.get(Session, session_id)
    proven = this is not None and this.password_change_only
    if user is None or not (proven or (current is not None and await passwords.verify(user.password_hash, current))):
        raise CurrentPasswordWrong("the current password is wrong", errors=[
            {"loc": "body.current_password", "msg": "the current password is wrong"}])
    check_password(new, user.username)
    user.password_hash = await passwords.hash(new)
    user.must_change_password = user.password_one_time = False
    keep = session_id if this is not None and not this.password_change_only else None
    return await revoke_sessions(session, user_id=user.id, keep=keep)


async def reset_password(session: AsyncSession, passwords: Passwords, user: User) -> str:
    """A one-time code to sign in with (kept only as its hash), the user's sessions ended, and a
    password change forced at the next sign-in."""
    code = "-".join(secrets.token_hex(3) for _ in range(4))
    user.password_hash = await passwords.hash(code)
    user.must_change_password = user.password_one_time = True
    user.failed_attempts = 0
    await revoke_sessions(session, user_id=user.id)
    return code


async def deactivate(session: AsyncSession, user: User) -> None:
    user.is_active = False
    await revoke_sessions(session, user_id=user.id)

