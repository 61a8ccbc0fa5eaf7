"""Private files of the stored recordings: NV_DATA_DIR/voice_recordings/<user hex>/<id hex>.flac.

Nothing serves this directory. Files are written to a temporary name and renamed into
place, so a reader never sees half a file; directories are 0700 and files 0600.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

RECORDINGS_DIR = "voice_recordings"
STORED_SUFFIX = ".flac"
STORED_MIME_TYPE = "audio/flac"
_PARTIAL_SUFFIX = ".partial"


@dataclass(frozen=True, slots=True)
class StoredFile:
    user_dir: str
    name: str
    modified_at: float


class RecordingStorage:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / RECORDINGS_DIR

    def file_name_for(self, user_id: uuid.UUID, recording_id: uuid.UUID) -> str:
        return f"{user_id.hex}/{recording_id.hex}{STORED_SUFFIX}"

    def path(self, file_name: str) -> Path:
        path = (self.root / file_name).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"{file_name!r} is outside the recordings directory")
        return path

    def write(self, file_name: str, data: bytes) -> None:
        target = self.path(file_name)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        target.parent.mkdir(mode=0o700, exist_ok=True)
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}{_PARTIAL_SUFFIX}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            partial.replace(target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    def read(self, file_name: str) -> bytes:
        return self.path(file_name).read_bytes()

    def remove(self, file_name: str) -> None:
        path = self.path(file_name)
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # not empty (a newer file), or already gone
            path.parent.rmdir()

    def user_dirs(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir() if entry.is_dir())

    def files(self, user_dir: str) -> list[StoredFile]:
        directory = self.path(user_dir)
        if not directory.is_dir():
            return []
        return [
            StoredFile(user_dir, entry.name, entry.stat().st_mtime)
            for entry in directory.iterdir()
            if entry.is_file()
        ]

    def remove_user_dir(self, user_dir: str) -> int:
        removed = 0
        for stored in self.files(user_dir):
            self.remove(f"{user_dir}/{stored.name}")
            removed += 1
        with contextlib.suppress(OSError):
            self.path(user_dir).rmdir()
        return removed

    @staticmethod
    def age_s(stored: StoredFile) -> float:
        return time.time() - stored.modified_at
