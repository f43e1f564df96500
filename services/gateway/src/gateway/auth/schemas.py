from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.pagination import Page

Role = Literal["province_admin", "region_admin", "unit_admin", "leader", "member"]
READ_SCOPES = ("schemes:read", "units:read", "persons:read")
REGION_SCOPES = frozenset({"results:read", "inputs:write", "webhooks:manage", *READ_SCOPES})
Scope = Literal["results:read", "inputs:write", "apportion", "webhooks:manage", "schemes:read", "units:read",
                "persons:read"]


class TokenRead(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="seconds")
    refresh_token: str
    must_change_password: bool = Field(default=False, description="this sign-in may only change the password "
                                                                   "(POST /api/v1/auth/password)")


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=200)
    everywhere: bool = Field(default=False, description="revoke every refresh token of the user")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=1, max_length=200, description="at least 12 characters, not the user name, "
                          "not one of the 10,000 most common passwords (else 422 with code password_too_short, "
                          "password_is_username or password_common)")
    role: Role
    region_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _scope(self) -> UserCreate:
        needs = {"region_admin": "region_id", "unit_admin": "unit_id", "leader": "unit_id", "member": "person_id"}
        field = needs.get(self.role)
        if field and getattr(self, field) is None:
            raise ValueError(f"a {self.role} needs {field}")
        return self


class UserUpdate(BaseModel):
    """A change of an account's role or binding, or its deactivation; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    region_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    is_active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    username: str
    role: str
    region_id: uuid.UUID | None
    unit_id: uuid.UUID | None
    person_id: uuid.UUID | None
    is_active: bool
    must_change_password: bool = Field(description="signing in gives a session that may only change the password")
    last_sign_in_at: datetime | None
    created_at: datetime


class UserPage(Page[UserRead]):
    """Users, by username."""


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str | None = Field(default=None, min_length=1, max_length=200,
                                         description="asked for unless this sign-in may only change the password "
                                                     "(opened with a reset's one-time code, or a first password "
                                                     "that must be changed)")
    password: str = Field(min_length=1, max_length=200, description="the new one; the policy as for a new user")


class PasswordChanged(BaseModel):
    revoked: int = Field(description="refresh tokens of the user's other sessions revoked")


class PasswordReset(BaseModel):
    user_id: uuid.UUID
    one_time_code: str = Field(description="shown once; signs in once, to a session that may only change the "
                                           "password")


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "省干部信息系统", "scopes": ["schemes:read", "units:read", "persons:read"],
        "region_id": "0b7e3c52-3f0a-4f7c-8d2e-5a6b7c8d9e0f"}]})
    name: str = Field(min_length=1, max_length=128)
    scopes: list[Scope] = Field(min_length=1, description=(
        "what the key may do: `results:read` (results and allocations), `inputs:write` (marks, adjustments, the "
        "roster stream), `apportion`, `webhooks:manage` (its region's webhooks), and `schemes:read`, `units:read`, "
        "`persons:read` (list and read those of its region, nothing else)"))
    region_id: uuid.UUID | None = Field(default=None, description="the region the key acts for")

    @model_validator(mode="after")
    def _region(self) -> ApiKeyCreate:
        if self.region_id is None and set(self.scopes) & REGION_SCOPES:
            raise ValueError(f"{', '.join(sorted(REGION_SCOPES))} keys act for one region: give region_id")
        return self


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    region_id: uuid.UUID | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class ApiKeyPage(Page[ApiKeyRead]):
    """API keys, oldest first."""


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="shown once; only its digest is kept")
