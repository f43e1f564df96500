from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.openapi import examples_of, page_examples
from shared.pagination import Page

Role = Literal["province_admin", "region_admin", "unit_admin", "leader", "member"]
READ_SCOPES = ("schemes:read", "units:read", "persons:read")
REGION_SCOPES = frozenset({"results:read", "inputs:write", "webhooks:manage", *READ_SCOPES})
Scope = Literal["results:read", "inputs:write", "apportion", "webhooks:manage", "schemes:read", "units:read",
                "persons:read"]


class TokenRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1OjEifQ.c2lnbmF0dXJl",
         "token_type": "bearer",
         "expires_in": 1,
         "refresh_token": "r1.5m8Q2xZkZ0lBv3n9Zc1JwQ",
         "must_change_password": False}]})
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int = Field(description="seconds")
    refresh_token: str
    must_change_password: bool = Field(default=False, description="this sign-in may only change the password "
                                                                   "(POST /api/v1/auth/password)")


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"refresh_token": "r1.5m8Q2xZkZ0lBv3n9Zc1JwQ"}]})
    refresh_token: str = Field(min_length=10, max_length=200)


class LogoutIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"everywhere": False}]})
    refresh_token: str | None = Field(default=None, max_length=200)
    everywhere: bool = Field(default=False, description="revoke every refresh token of the user")


# the binding each role needs (UserCreate._scope), declared: the role, and its field given, not null
_NEEDS = {"region_admin": "region_id", "unit_admin": "unit_id", "leader": "unit_id", "member": "person_id"}
_BINDINGS: dict[str, Any] = {"anyOf": [
    {"properties": {"role": {"const": "province_admin"}}},
    *({"required": [field], "properties": {"role": {"const": role}, field: {"not": {"type": "null"}}}}
      for role, field in _NEEDS.items())]}


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={**_BINDINGS, "examples": [
        {"username": "wang.fang", "password": "correct-horse-battery", "role": "province_admin"}]})
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(min_length=1, max_length=200, description="at least 12 characters, not the user name, "
                          "not one of the 10,000 most common passwords (else 422 with code password_too_short, "
                          "password_is_username or password_common)", json_schema_extra={"minLength": 12})
    role: Role
    region_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _scope(self) -> UserCreate:
        field = _NEEDS.get(self.role)
        if field and getattr(self, field) is None:
            raise ValueError(f"a {self.role} needs {field}")
        return self


class UserUpdate(BaseModel):
    """A change of an account's role or binding, or its deactivation; fields left out stay as they are."""
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"role": "unit_admin", "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050"}]})
    role: Role | None = None
    region_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    is_active: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "username": "wang.fang",
         "role": "unit_admin",
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "unit_id": "eac565fd-f2ae-5153-9e88-7b7cb5e97050",
         "person_id": "aa19ade6-519f-5bc6-ba1e-ee473ee5f0ee",
         "is_active": True,
         "must_change_password": False,
         "last_sign_in_at": "2025-07-01T09:30:00Z",
         "created_at": "2025-07-01T09:30:00Z"}]})
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

    model_config = ConfigDict(json_schema_extra=page_examples(UserRead))


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"password": "correct-horse-battery"}]})
    current_password: str | None = Field(default=None, min_length=1, max_length=200,
                                         description="asked for unless this sign-in may only change the password "
                                                     "(opened with a reset's one-time code, or a first password "
                                                     "that must be changed)")
    password: str = Field(min_length=1, max_length=200, description="the new one; the policy as for a new user")


class PasswordChanged(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"revoked": 1}]})
    revoked: int = Field(description="refresh tokens of the user's other sessions revoked")


class PasswordReset(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"user_id": "5c20a120-2b80-5bea-b283-9f72a01d30e1", "one_time_code": "7KQ2-M9XD"}]})
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
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [
        {"id": "498b5b19-83b1-5f5d-b4dd-95a6acdcfa46",
         "name": "省人社厅考核数据同步",
         "prefix": "kh_3f9a",
         "scopes": ["results:read"],
         "region_id": "46634a0c-c4ca-5e54-b5b1-be81442f2839",
         "created_by": "admin",
         "created_at": "2025-07-01T09:30:00Z",
         "revoked_at": None}]})
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

    model_config = ConfigDict(json_schema_extra=page_examples(ApiKeyRead))


class ApiKeyCreated(ApiKeyRead):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {**examples_of(ApiKeyRead)[0], "key": "kh_3f9a.9Zc1JwQ5m8Q2xZkZ0lBv3nQ"}]})
    key: str = Field(description="shown once; only its digest is kept")
