"""Generated memos on disk: one private folder per user under NV_DATA_DIR/audio."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True, slots=True)
class StoredFile:
    audio_id: uuid.UUID
    relative: str
    path: Path
    modified_at: float


class AudioStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> AudioStorage:
        return cls(data_dir / "audio")

    def relative_path(self, user_id: uuid.UUID, audio_id: uuid.UUID, extension: str) -> str:
        return f"{user_id.hex}/{audio_id.hex}.{extension}"

    def resolve(self, relative: str) -> Path:
        """The absolute path of a stored file; refuses anything outside the storage root."""
        root = self.root.resolve()
        path = (root / relative).resolve()
        if not path.is_relative_to(root) or path == root:
            raise ValueError(f"not a storage path: {relative!r}")
        return path

    def partial_path(self, relative: str) -> Path:
        """Where a file is written before it is moved into place; creates private folders."""
        path = self.resolve(relative)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        return path.with_name(path.name + PARTIAL_SUFFIX)

    def finish(self, partial: Path) -> Path:
        """Make a completely written file visible under its final name (atomic rename)."""
        final = partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX))
        partial.chmod(0o600)
        partial.replace(final)
        return final

    def delete(self, relative: str) -> bool:
        try:
            self.resolve(relative).unlink()
        except FileNotFoundError:
            return False
        return True

    def user_folders(self) -> Iterator[tuple[uuid.UUID, Path]]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            try:
                owner = uuid.UUID(folder.name)
            except ValueError:
                continue
            if folder.is_dir():
                yield owner, folder

    def remove_folder(self, folder: Path) -> int:
        """Delete a user's folder and its files; returns how many files went."""
        removed = 0
        for path in folder.iterdir():
            path.unlink(missing_ok=True)
            removed += 1
        folder.rmdir()
        return removed

    def files(self) -> Iterator[StoredFile]:
        """Every file in storage (finished or partial) that is named after an audio id."""
        if not self.root.is_dir():
            return
        for user_dir in self.root.iterdir():
            if not user_dir.is_dir():
                continue
            for path in user_dir.iterdir():
                try:
                    audio_id = uuid.UUID(path.name.split(".", 1)[0])
                    modified = path.stat().st_mtime
                except (ValueError, OSError):
                    continue
                yield StoredFile(
                    audio_id=audio_id,
                    relative=os.path.relpath(path, self.root),
                    path=path,
                    modified_at=modified,
                )
