"""Where recording files live, behind a small port so an object store can come later.

A key is a relative POSIX path (`acme/ventas/2026/03/02/<interaction>.opus`). `put`
copies a finished local file in under a temporary name and renames it when complete, so
a half-written file never looks finished; `open` reads it back.

    storage = LocalStorage(settings.data_dir / "recordings")
    storage.put("acme/x.wav", Path("/tmp/spool/x.wav"))
    with storage.open("acme/x.wav") as f: ...
"""

from __future__ import annotations

import abc
import contextlib
import io
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from centralita.errors import CentralitaError, Invalid, NotFound


class StorageError(CentralitaError):
    """The storage could not write or delete (full disk, missing or read-only directory)."""

    code = "recording-storage-failed"
    http_status = 503


class NoSuchFile(NotFound):
    code = "no-such-recording-file"


def check_key(key: str) -> str:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(p in ("", ".", "..") for p in key.split("/")):
        raise Invalid(f"key: {key!r} is not a relative path under the root", field="key")
    return key


class Storage(abc.ABC):
    @abc.abstractmethod
    def put(self, key: str, source: Path) -> int:
        """Store the local file `source` under `key` (replacing it); its size."""

    @abc.abstractmethod
    def open(self, key: str) -> BinaryIO:
        """Read the file stored under `key` (`NoSuchFile` if absent)."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove `key`; False if it was not there."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...

    @abc.abstractmethod
    def size(self, key: str) -> int: ...

    def local_path(self, key: str) -> Path | None:
        """A path on this machine holding the file, if the storage has one (for sox and
        the encoder; an object store would download to a temporary file instead)."""
        return None


class LocalStorage(Storage):
    """Files under `root` on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, source: Path) -> int:
        target = self._path(key)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(partial, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise StorageError(
                f"could not store {key}: {exc.strerror or exc}", key=key, errno=exc.errno
            ) from None
        return target.stat().st_size

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise NoSuchFile(key=key) from None

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StorageError(f"could not delete {key}: {exc}", key=key) from None
        return True

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NoSuchFile(key=key) from None

    def local_path(self, key: str) -> Path | None:
        return self._path(key)


class MemoryStorage(Storage):
    """The in-memory twin for tests of the storage's users."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def put(self, key: str, source: Path) -> int:
        data = source.read_bytes()
        self.files[check_key(key)] = data
        return len(data)

    def open(self, key: str) -> BinaryIO:
        if key not in self.files:
            raise NoSuchFile(key=key)
        return io.BytesIO(self.files[key])

    def delete(self, key: str) -> bool:
        return self.files.pop(key, None) is not None

    def exists(self, key: str) -> bool:
        return key in self.files

    def size(self, key: str) -> int:
        if key not in self.files:
            raise NoSuchFile(key=key)
        return len(self.files[key])
