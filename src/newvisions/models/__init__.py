"""ORM models, one file per table, all re-exported here so Alembic sees every table."""

from newvisions.models.activation_code import ActivationCode
from newvisions.models.auth_session import AuthSession
from newvisions.models.base import Base, TimestampMixin, utcnow
from newvisions.models.generated_audio import GeneratedAudio
from newvisions.models.last_note import LastNote
from newvisions.models.monthly_usage import MonthlyUsage
from newvisions.models.password_reset_code import PasswordResetCode
from newvisions.models.perform import Perform, PerformStatus
from newvisions.models.refresh_token import RefreshToken
from newvisions.models.usage_entry import UsageEntry, UsageStatus
from newvisions.models.user import User, UserRole
from newvisions.models.voice_clone import CloneStatus, VoiceClone
from newvisions.models.voice_recording import AnalysisStatus, VoiceRecording

__all__ = [
    "ActivationCode",
    "AnalysisStatus",
    "AuthSession",
    "Base",
    "CloneStatus",
    "GeneratedAudio",
    "LastNote",
    "MonthlyUsage",
    "PasswordResetCode",
    "Perform",
    "PerformStatus",
    "RefreshToken",
    "TimestampMixin",
    "UsageEntry",
    "UsageStatus",
    "User",
    "UserRole",
    "VoiceClone",
    "VoiceRecording",
    "utcnow",
]
