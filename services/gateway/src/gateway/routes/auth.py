"""Sign-in (OAuth2 password form), token refresh and logout."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from gateway import audit, policy
from gateway.auth import accounts, service
from gateway.auth.schemas import LogoutIn, PasswordChange, PasswordChanged, RefreshIn, TokenRead
from gateway.identity import PASSWORD_CHANGE_PATH, Principal, PrincipalDep, SignInThrottle, client_address
from shared.db import SessionDep
from shared.errors import Forbidden

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
_PASSWORD_RULE = next(r for r in policy.RULES if r.template == PASSWORD_CHANGE_PATH)


@router.post("/token", response_model=TokenRead, summary="Sign in: username and password for tokens",
             responses={401: {"description": "wrong credentials, or this address locked out of the account"},
                        429: {"description": "too many attempts from this address"}})
async def sign_in(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request,
                  session: SessionDep) -> TokenRead:
    """Signs in with a username and password (OAuth2 password form, `application/x-www-form-urlencoded`) and
    returns an access token and a refresh token; `must_change_password` says the sign-in may only change the
    password. 401 `invalid_credentials` for wrong credentials, and `account_locked` after repeated failures
    from the address, for a while; 429 with Retry-After for too many attempts from one address. **Who may
    call:** anyone.
    """
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


@router.post("/refresh", response_model=TokenRead, summary="A new token pair for a refresh token (rotated)",
             responses={401: {"description": "unknown, expired or revoked; a spent (already rotated) token sent "
                                             "again ends its whole sign-in: every token descended from it"}})
async def refresh(body: RefreshIn, request: Request, session: SessionDep) -> TokenRead:
    """Exchanges a refresh token for a new access and refresh token pair; the refresh token sent is spent
    (rotated). 401 for an unknown, expired or revoked token; sending a spent token again ends its whole
    sign-in. **Who may call:** anyone holding a refresh token.
    """
    return await service.refresh(session, request.app.state.settings, body.refresh_token, request.app.state.sessions)


@router.post("/logout", summary="End the sign-in of this refresh token, or every one of the user's",
             description="The sign-in's access tokens stop working at once too, in every gateway process; with "
                         "`everywhere`, every sign-in of the user ends. Returns how many sign-ins were ended. "
                         "**Who may call:** any signed-in user; not API keys.",
             responses={200: {"content": {"application/json": {"example": {"revoked": 1}}}},
                        403: {"description": "an API key, which does not sign in"}})
async def logout(body: LogoutIn, principal: PrincipalDep, request: Request, session: SessionDep) -> dict[str, int]:
    user_id = _own_user(principal)
    revoked = await service.logout(session, user_id=user_id, token=body.refresh_token, everywhere=body.everywhere)
    request.app.state.sessions.forget(f"u:{user_id}")
    return {"revoked": revoked}


@router.post("/password", response_model=PasswordChanged, summary="Change one's own password",
             description="Every other sign-in of the user ends (its access tokens stop working at once); so "
                         "does this one if it may only change the password (after a reset): sign in again with "
                         "the new password. The only route open to such a sign-in.",
             responses={403: {"description": "an API key, which has no password"},
                        422: {"description": "the current password is wrong (`current_password_wrong`, naming "
                                             "`body.current_password`), or the new one fails the policy "
                                             "(`password_too_short`, `password_is_username`, `password_common`, "
                                             "naming `body.password`)"}})
async def change_password(body: PasswordChange, principal: PrincipalDep, request: Request,
                          session: SessionDep) -> PasswordChanged:
    user_id = _own_user(principal)
    revoked = await accounts.change_password(session, request.app.state.passwords, user_id=user_id,
                                             session_id=uuid.UUID(str(principal.session_id)),
                                             current=body.current_password, new=body.password)
    request.app.state.sessions.forget(f"u:{user_id}")
    return PasswordChanged(revoked=revoked)


def _own_user(principal: Principal) -> uuid.UUID:
    caller = principal.caller
    if principal.user_id is None or not policy.allowed(_PASSWORD_RULE, kind=caller.kind, roles=caller.roles,
                                                         scopes=caller.scopes):
        raise Forbidden("API keys do not sign in, sign out or have a password")
    return uuid.UUID(principal.user_id)
