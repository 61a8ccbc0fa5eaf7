from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from newvisions.models import UsageStatus


class UsageEntryOut(BaseModel):
    """One perform's line in the usage ledger."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    request_id: str
    period: date
    model: str
    reserved: int
    charged: int
    status: UsageStatus
    created_at: datetime
    settled_at: datetime | None


class UsageSummary(BaseModel):
    """This month's characters; `remaining` already subtracts performs still running."""

    used: int
    reserved: int
    limit: int
    remaining: int
    period_start: datetime
    resets_at: datetime


class Usage(UsageSummary):
    recent: list[UsageEntryOut]
