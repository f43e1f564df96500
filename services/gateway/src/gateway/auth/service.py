"""Sign-in, refresh, logout, users and API keys."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth.passwords import Passwords
from gateway.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, TokenRead, UserCreate
from gateway.auth.tokens import digest, issue_access_token, new_opaque_token
from gateway.config import GatewaySettings
from gateway.models import ApiKey, RefreshToken, User
from gateway.scope import Binding
from shared.errors import Conflict, NotFound, Unauthorized
from shared.service_auth import Caller


class SignInFailed(Unauthorized):
    code = "invalid_credentials"
    title = "Wrong username or password"


class AccountLocked(Unauthorized):
    code = "account_locked"
    title = "Too many failed sign-ins from this address; it is locked out of the account for a while"


def _now() -> datetime:
    return datetime.now(UTC)


async def _tokens(session: AsyncSession, settings: GatewaySettings, user: User) -> TokenRead:
    refresh = new_opaque_token("rt")
    session.add(RefreshToken(id=uuid.uuid4(), user_id=user.id, token_hash=digest(refresh),
                             expires_at=_now() + timedelta(days=settings.refresh_token_days)))
    await session.flush()
    access = issue_access_token(settings.jwt_secret.get_secret_value(), user,
                                minutes=settings.access_token_minutes)
    return TokenRead(access_token=access, expires_in=settings.access_token_minutes * 60, refresh_token=refresh)


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
    return await _tokens(session, settings, user), user


async def refresh(session: AsyncSession, settings: GatewaySettings, token: str) -> TokenRead:
    """Rotate: the refresh token used is revoked and a new pair issued."""
    stored = await session.scalar(select(RefreshToken).where(RefreshToken.token_hash == digest(token))
                                  .with_for_update())
    if stored is None or stored.revoked_at is not None or stored.expires_at <= _now():
        raise Unauthorized("the refresh token is unknown, expired or revoked", code="refresh_token_invalid")
    user = await session.get(User, stored.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("the account is disabled", code="refresh_token_invalid")
    stored.revoked_at = _now()
    return await _tokens(session, settings, user)


async def logout(session: AsyncSession, *, user_id: uuid.UUID, token: str | None, everywhere: bool) -> int:
    statement = update(RefreshToken).where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
    if not everywhere:
        if token is None:
            return 0
        statement = statement.where(RefreshToken.token_hash == digest(token))
    result = await session.execute(statement.values(revoked_at=_now()))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def create_user(session: AsyncSession, passwords: Passwords, body: UserCreate,
                      binding: Binding | None = None) -> User:
    """A new account, bound as ``binding`` says (checked by :mod:`gateway.scope`), else as the body says."""
    bound = binding or Binding(body.role, body.region_id, body.unit_id, body.person_id)
    user = User(id=uuid.uuid4(), username=body.username, password_hash=await passwords.hash(body.password),
                role=bound.role, region_id=bound.region_id, unit_id=bound.unit_id, person_id=bound.person_id,
                is_active=True, failed_attempts=0)
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"the username {body.username!r} is taken", code="username_taken") from exc
    return user


async def ensure_first_admin(session: AsyncSession, passwords: Passwords, settings: GatewaySettings) -> bool:
    """Create the province administrator from KAOHE_ADMIN_* when there is no user at all."""
    if not settings.admin_username or settings.admin_password is None:
        return False
    if await session.scalar(select(func.count()).select_from(User)):
        return False
    await create_user(session, passwords, UserCreate(username=settings.admin_username,
                                                     password=settings.admin_password.get_secret_value(),
                                                     role="province_admin"))
    return True


async def get_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    return await session.get(User, user_id, with_for_update=True)


def rebind_user(user: User, binding: Binding, *, is_active: bool | None) -> User:
    user.role, user.region_id, user.unit_id, user.person_id = (binding.role, binding.region_id, binding.unit_id,
                                                               binding.person_id)
    if is_active is not None:
        user.is_active = is_active
    return user


async def list_users(session: AsyncSession, caller: Caller) -> list[User]:
    statement = select(User).order_by(User.username)
    if not caller.is_province_wide:
        statement = statement.where(User.region_id.in_([uuid.UUID(r) for r in caller.region_ids]))
    return list(await session.scalars(statement))


async def create_api_key(session: AsyncSession, caller: Caller, body: ApiKeyCreate) -> ApiKeyCreated:
    key = new_opaque_token("kh")
    record = ApiKey(id=uuid.uuid4(), name=body.name, key_hash=digest(key), prefix=key[:10], scopes=list(body.scopes),
                    region_id=body.region_id, created_by=caller.subject)
    session.add(record)
    await session.flush()
    await session.refresh(record)
    return ApiKeyCreated(**ApiKeyRead.model_validate(record).model_dump(), key=key)


async def list_api_keys(session: AsyncSession) -> list[ApiKey]:
    return list(await session.scalars(select(ApiKey).order_by(ApiKey.created_at)))


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
