"""Sign-in (OAuth2 password form), token refresh and logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from gateway import audit
from gateway.auth import service
from gateway.auth.schemas import LogoutIn, RefreshIn, TokenRead
from gateway.identity import PrincipalDep, SignInThrottle, client_address
from shared.db import SessionDep
from shared.errors import Forbidden

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", response_model=TokenRead, summary="Sign in: username and password for tokens",
             responses={401: {"description": "wrong credentials, or this address locked out of the account"},
                        429: {"description": "too many attempts from this address"}})
async def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
                  session: SessionDep) -> TokenRead:
    state = request.app.state
    address = client_address(request)
    state.rate_limits.check(f"sign-in:{address}", sign_in=True)
    throttle: SignInThrottle = state.sign_in_throttle
    locked_until = throttle.locked_until(form.username, address)
    if locked_until is not None:
        await audit.record(state.sessionmaker, request, principal=None, actor_name=form.username,
                           route="/api/v1/auth/token", status=401, targets={"outcome": "locked"})
        until = datetime.fromtimestamp(locked_until, UTC).isoformat(timespec="minutes")
        raise service.AccountLocked(f"too many failures from this address; try again after {until}")
    tokens, user = await service.sign_in(session, state.settings, state.passwords,
                                         username=form.username, password=form.password)
    outcome = "signed_in" if tokens else "failed"
    targets: dict[str, object] = {"outcome": outcome, **({"user_id": str(user.id)} if user else {})}
    await audit.record(state.sessionmaker, request, principal=None, actor_name=form.username,
                       route="/api/v1/auth/token", status=200 if tokens else 401, targets=targets)
    if tokens is None:
        throttle.failed(form.username, address)
        # The failure count must outlive this 401, which would otherwise roll it back.
        await session.commit()
        raise service.SignInFailed("wrong username or password")
    throttle.succeeded(form.username, address)
    return tokens


@router.post("/refresh", response_model=TokenRead, summary="A new token pair for a refresh token (rotated)")
async def refresh(body: RefreshIn, request: Request, session: SessionDep) -> TokenRead:
    return await service.refresh(session, request.app.state.settings, body.refresh_token)


@router.post("/logout", summary="Revoke this refresh token, or every one of the user's")
async def logout(body: LogoutIn, principal: PrincipalDep, session: SessionDep) -> dict[str, int]:
    if principal.user_id is None:
        raise Forbidden("API keys do not sign in or out")
    revoked = await service.logout(session, user_id=uuid.UUID(principal.user_id), token=body.refresh_token,
                                   everywhere=body.everywhere)
    return {"revoked": revoked}
