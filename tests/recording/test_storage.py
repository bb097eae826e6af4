"""The storage port: local files appear whole or not at all; the in-memory twin agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from centralita.errors import Invalid
from centralita.recording.storage import (
    LocalStorage,
    MemoryStorage,
    NoSuchFile,
    Storage,
    StorageError,
)


@pytest.fixture(params=["local", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    return LocalStorage(tmp_path / "root") if request.param == "local" else MemoryStorage()


def test_put_open_size_exists_delete(storage: Storage, tmp_path: Path) -> None:
    source = tmp_path / "x.wav"
    source.write_bytes(b"RIFF" + b"\x01" * 1000)
    assert storage.put("acme/2026/x.wav", source) == 1004
    assert storage.exists("acme/2026/x.wav") and storage.size("acme/2026/x.wav") == 1004
    with storage.open("acme/2026/x.wav") as f:
        assert f.read() == source.read_bytes()
    assert storage.delete("acme/2026/x.wav") is True
    assert storage.delete("acme/2026/x.wav") is False
    assert not storage.exists("acme/2026/x.wav")
    with pytest.raises(NoSuchFile):
        storage.open("acme/2026/x.wav")


@pytest.mark.parametrize("key", ["../x.wav", "/etc/passwd", "a//b.wav", ""])
def test_keys_outside_the_root_are_refused(storage: Storage, tmp_path: Path, key: str) -> None:
    source = tmp_path / "x.wav"
    source.write_bytes(b"x")
    with pytest.raises(Invalid):
        storage.put(key, source)


def test_given_a_root_that_cannot_be_written_then_put_fails_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "root"
    blocker.write_text("a file where the directory should be")
    storage = LocalStorage(blocker)
    source = tmp_path / "x.wav"
    source.write_bytes(b"x" * 10)
    with pytest.raises(StorageError) as caught:
        storage.put("acme/x.wav", source)
    assert caught.value.code == "recording-storage-failed"


def test_given_a_full_disk_then_the_partial_file_is_removed_and_nothing_looks_finished(
    tmp_path: Path,
) -> None:
    full = Path("/dev/full")
    if not full.exists():
        pytest.skip("no /dev/full on this system")
    storage = LocalStorage(tmp_path / "root")
    (tmp_path / "root" / "acme").mkdir(parents=True)
    # /dev/full accepts opening and fails every write with ENOSPC: point the partial at it
    target = tmp_path / "root" / "acme"
    source = tmp_path / "x.wav"
    source.write_bytes(b"x" * 10)
    real_open = Path.open

    def open_full(self: Path, mode: str = "r", *args: object, **kw: object):  # type: ignore[no-untyped-def]
        if self.name.endswith(".partial"):
            return real_open(full, mode)
        return real_open(self, mode, *args, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Path, "open", open_full)
        with pytest.raises(StorageError) as caught:
            storage.put("acme/x.wav", source)
    assert caught.value.fields["errno"] == 28  # ENOSPC
    assert list(target.iterdir()) == []
