from datetime import datetime

from ninja import Schema
from pydantic import Field


class TokenRequest(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(default="api", max_length=120)
    scope: str = Field(default="write", pattern="^(read|write)$")
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenCreated(Schema):
    id: int
    token: str
    name: str
    kind: str
    scope: str
    expires_at: datetime | None


class TokenOut(Schema):
    id: int
    name: str
    kind: str
    scope: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class MembershipOut(Schema):
    role: str
    chamber: int | None = Field(None, alias="chamber_id")
    district: int | None = Field(None, alias="district_id")
    business: int | None = Field(None, alias="business_id")


class MeOut(Schema):
    username: str
    full_name: str
    is_superuser: bool
    memberships: list[MembershipOut]


class AuditOut(Schema):
    id: int
    at: datetime
    actor_name: str
    via: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None


class AuditPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[AuditOut]
