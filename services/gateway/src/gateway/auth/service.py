"""Sign-in, refresh, logout, users and API keys."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.accounts import SPENT, deactivate, revoke_sessions
from gateway.auth.password_policy import check_password, violation
from gateway.auth.passwords import Passwords
from gateway.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, TokenRead, UserCreate
from gateway.auth.sessions import SessionCache
from gateway.auth.tokens import digest, issue_access_token, new_opaque_token
from gateway.config import GatewaySettings
from gateway.models import ApiKey, RefreshToken, Session, User
from gateway.scope import Binding
from shared.errors import Conflict, NotFound, Unauthorized
from shared.pagination import PageQuery
from shared.service_auth import Caller


class SignInFailed(Unauthorized):
    code = "invalid_credentials"
    title = "Wrong username or password"


class AccountLocked(Unauthorized):
    code = "account_locked"
    title = "Too many failed sign-ins from this address; it is locked out of the account for a while"


def _now() -> datetime:
    return datetime.now(UTC)


async def _tokens(session: AsyncSession, settings: GatewaySettings, user: User,
                  signed_in: Session | None = None) -> TokenRead:
    """A token pair of ``signed_in``, or of a new session (one that may only change the password
    when the user must change it)."""
    if signed_in is None:
        signed_in = Session(id=uuid.uuid4(), user_id=user.id, password_change_only=user.must_change_password)
        session.add(signed_in)
        await session.flush()  # before its refresh token, which refers to it
    refresh = new_opaque_token("rt")
    session.add(RefreshToken(id=uuid.uuid4(), user_id=user.id, session_id=signed_in.id, token_hash=digest(refresh),
                             expires_at=_now() + timedelta(days=settings.refresh_token_days)))
    await session.flush()
    access = issue_access_token(settings.jwt_secret.get_secret_value(), user, minutes=settings.access_token_minutes,
                                session_id=signed_in.id, password_change_only=signed_in.password_change_only)
    return TokenRead(access_token=access, expires_in=settings.access_token_minutes * 60, refresh_token=refresh,
                     must_change_password=signed_in.password_change_only)


async def sign_in(session: AsyncSession, settings: GatewaySettings, passwords: Passwords, *,
                  username: str, password: str) -> tuple[TokenRead | None, User | None]:
    """Tokens for a right password. An unknown name is checked against a decoy hash, so it costs
    what a wrong password does; each failure on an account slows its next failed answer."""
    user = await session.scalar(select(User).where(User.username == username).with_for_update())
    ok = await passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        if user is not None:
            user.failed_attempts += 1
            await session.flush()
        failures = max(user.failed_attempts if user else 1, 1)
        await asyncio.sleep(min(settings.failure_delay_seconds * failures, 5.0))
        return None, user
    user.failed_attempts = 0
    user.locked_until = None
    user.last_sign_in_at = _now()
    tokens = await _tokens(session, settings, user)
    if user.password_one_time:  # a reset's code signs in once
        user.password_hash, user.password_one_time = SPENT, False
    return tokens, user


def _refresh_refused(why: str) -> Unauthorized:
    return Unauthorized(why, code="refresh_token_invalid")


async def refresh(session: AsyncSession, settings: GatewaySettings, token: str, sessions: SessionCache) -> TokenRead:
    """Rotate: the refresh token used is spent and a new pair of the same session issued. A spent
    token sent again means it was copied: the whole session (every token descended from that
    sign-in) is ended, committed before the 401."""
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token))
                                  .with_for_update())
    if stored is None or stored.expires_at <= _now():
        raise _refresh_refused("the refresh token is unknown, expired or revoked")
    if stored.revoked_at is not None:
        await revoke_sessions(session, user_id=stored.user_id, only=stored.session_id)
        await session.commit()
        sessions.forget(f"s:{stored.session_id}")  # this process at once; the others when notified
        raise _refresh_refused("the refresh token is unknown, expired or revoked")
    signed_in = await session.get(Session, stored.session_id)
    user = await session.get(User, stored.user_id)
    if signed_in is None or signed_in.revoked_at is not None or user is None or not user.is_active:
        raise _refresh_refused("the sign-in has ended or the account is disabled")
    stored.revoked_at = _now()
    return await _tokens(session, settings, user, signed_in)


async def logout(session: AsyncSession, *, user_id: uuid.UUID, token: str | None, everywhere: bool) -> int:
    """End the session of this refresh token (its access tokens stop working too), or every session."""
    if everywhere:
        return await revoke_sessions(session, user_id=user_id)
    if token is None:
        return 0
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token),
                                                             RefreshToken.user_id == user_id))
    if stored is None:
        return 0
    return await revoke_sessions(session, user_id=user_id, only=stored.session_id)


async def create_user(session: AsyncSession, passwords: Passwords, body: UserCreate,
                      binding: Binding | None = None, *, must_change_password: bool = False) -> User:
    """A new account, bound as ``binding`` says (checked by :mod:`gateway.scope`), else as the body says;
    its password meets the policy (else 422)."""
    check_password(body.password, body.username)
    bound = binding or Binding(body.role, body.region_id, body.unit_id, body.person_id)
    user = User(id=uuid.uuid4(), username=body.username, password_hash=await passwords.hash(body.password),
                role=bound.role, region_id=bound.region_id, unit_id=bound.unit_id, person_id=bound.person_id,
                is_active=True, failed_attempts=0, must_change_password=must_change_password)
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"the username {body.username!r} is taken", code="username_taken") from exc
    return user


class WeakAdminPassword(RuntimeError):
    """KAOHE_ADMIN_PASSWORD fails the password policy: the gateway refuses to start."""


def require_policy_admin_password(settings: GatewaySettings) -> None:
    """Refuse a first administrator's password that fails the policy, with a one-line reason."""
    if not settings.admin_username or settings.admin_password is None:
        return
    found = violation(settings.admin_password.get_secret_value(), settings.admin_username)
    if found is not None:
        raise WeakAdminPassword(f"KAOHE_ADMIN_PASSWORD fails the password policy ({found[0]}): {found[1]}")


async def ensure_first_admin(session: AsyncSession, passwords: Passwords, settings: GatewaySettings) -> bool:
    """Create the province administrator from KAOHE_ADMIN_* when there is no user at all (made to
    change the password at first sign-in when KAOHE_ADMIN_MUST_CHANGE_PASSWORD says so)."""
    if not settings.admin_username or settings.admin_password is None:
        return False
    # several gateway processes start at once: one looks at a time, so one of them makes the administrator
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('kaohe.gateway.first_admin'))"))
    if await session.scalar(select(func.count()).select_from(User)):
        return False
    await create_user(session, passwords, UserCreate(username=settings.admin_username,
                                                     password=settings.admin_password.get_secret_value(),
                                                     role="province_admin"),
                      must_change_password=settings.admin_must_change_password)
    return True


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id, with_for_update=True)


async def rebind_user(session: AsyncSession, user: User, binding: Binding, *, is_active: bool | None) -> User:
    """A new role or binding (the user's sessions end: their tokens carry the old one), or (de)activation;
    a deactivated user's sessions end at once."""
    rebound = (binding.role, binding.region_id, binding.unit_id, binding.person_id)
    if rebound != (user.role, user.region_id, user.unit_id, user.person_id):
        user.role, user.region_id, user.unit_id, user.person_id = rebound
        await revoke_sessions(session, user_id=user.id)
    if is_active is False and user.is_active:
        await deactivate(session, user)
    elif is_active is not None:
        user.is_active = is_active
    await session.flush()
    return user


async def list_users(session: AsyncSession, caller: Caller, page: PageQuery) -> tuple[list[User], Sequence[Any] | None]:
    statement = select(User)
    if not caller.is_province_wide:
        statement = statement.where(User.region_id.in_([uuid.UUID(r) for r in caller.region_ids]))
    return await page.fetch(session, statement, [User.username, User.id], lambda u: (u.username, u.id), scalars=True)


async def create_api_key(session: AsyncSession, caller: Caller, body: ApiKeyCreate) -> ApiKeyCreated:
    key = new_opaque_token("kh")
    record = ApiKey(id=uuid.uuid4(), name=body.name, key_hash=digest(key), prefix=key[:10], scopes=list(body.scopes),
                    region_id=body.region_id, created_by=caller.subject)
    session.add(record)
    await session.flush()
    await session.refresh(record)
    return ApiKeyCreated(**ApiKeyRead.model_validate(record).model_dump(), key=key)


async def list_api_keys(session: AsyncSession, page: PageQuery) -> tuple[list[ApiKey], Sequence[Any] | None]:
    return await page.fetch(session, select(ApiKey), [ApiKey.created_at, ApiKey.id], lambda k: (k.created_at, k.id),
                            scalars=True)


async def revoke_api_key(session: AsyncSession, key_id: uuid.UUID) -> ApiKey:
    record = await session.get(ApiKey, key_id)
    if record is None:
        raise NotFound(f"no API key {key_id}", code="api_key_not_found")
    if record.revoked_at is None:
        record.revoked_at = _now()
        await session.flush()
    return record


async def caller_for_key(session: AsyncSession, key: str) -> tuple[Caller, str] | None:
    record = await session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key)))
    if record is None or record.revoked_at is not None:
        return None
    caller = Caller(subject=f"key:{record.id}", kind="api_key", scopes=tuple(record.scopes),
                    region_ids=(str(record.region_id),) if record.region_id else ())
    return caller, record.name
