from __future__ import annotations

from datetime import datetime

from newvisions.utils.errors import AppError


class QuotaExceeded(AppError):
    status_code = 429
    code = "quota_exceeded"
    message = "You have used this month's characters. The quota resets on the 1st (UTC)."

    def __init__(self, *, resets_at: datetime, limit: int, remaining: int, now: datetime) -> None:
        retry_after = max(1, int((resets_at - now).total_seconds()))
        super().__init__(
            f"This memo needs more characters than you have left this month ({remaining} of "
            f"{limit}). Your quota resets on {resets_at:%d %b %Y} at 00:00 UTC.",
            headers={"Retry-After": str(retry_after)},
            extra={
                "resets_at": resets_at.isoformat().replace("+00:00", "Z"),
                "limit": limit,
                "remaining": remaining,
            },
        )


class ReservationNotFound(AppError):
    status_code = 404
    code = "reservation_not_found"
    message = "This quota reservation does not exist."
