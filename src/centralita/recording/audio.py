"""Audio files: a channel from its planned pieces, two channels merged or mixed (sox),
WAV → Opus (opusenc) and the check that the result decodes to the same duration.

Opus in Ogg because it is made for speech: at 24 kbit/s a stereo call keeps both voices
clear (about 11 MB an hour, a tenth of the 16 kHz WAV), where MP3 needs twice the rate
for the same quality at these sample rates. Debian's `opus-tools` has the encoder,
decoder; `sox` merges channels.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import struct
import subprocess
import wave
from collections.abc import Sequence
from pathlib import Path

from centralita.errors import CentralitaError
from centralita.recording.timeline import Piece

_CHUNK = 16000  # frames copied at a time


class AudioError(CentralitaError):
    code = "recording-audio-failed"
    http_status = 500


def wav_frames(path: Path) -> tuple[int, int]:
    """(frames, rate) of a finished 16-bit mono WAV."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes(), wav.getframerate()


def wav_is_closed(path: Path) -> bool:
    """Whether the writer finished the WAV: PJSIP writes its sizes only when it closes
    the file, so until then the header says 0 bytes of data."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
    except (OSError, EOFError, wave.Error):
        return False
    return frames > 0 or path.stat().st_size <= 44


def repair_wav(path: Path) -> int:
    """Make readable a 16-bit PCM WAV its writer never closed (a process that died
    mid-call): its RIFF and data sizes set from the file's length, a torn last frame cut
    off. Returns its frames. Not a PCM WAV: `AudioError`."""
    with path.open("r+b") as f:
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise AudioError(f"{path.name}: not a WAV file")
        pos, align = 12, 0
        while True:
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                raise AudioError(f"{path.name}: no data in the WAV file")
            name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                fmt = f.read(16)
                tag, _channels, _rate, _bps, align, bits = struct.unpack("<HHIIHH", fmt)
                if tag != 1 or bits != 16:
                    raise AudioError(f"{path.name}: not 16-bit PCM")
            if name == b"data":
                break
            pos += 8 + size + (size & 1)
        if not align:
            raise AudioError(f"{path.name}: no format before the data")
        start = pos + 8
        f.seek(0, 2)
        data = (f.tell() - start) // align * align
        f.truncate(start + data)
        f.seek(pos + 4)
        f.write(struct.pack("<I", data))
        f.seek(4)
        f.write(struct.pack("<I", start + data - 8))
    return data // align


def write_channel(target: Path, pieces: Sequence[Piece], rate: int) -> None:
    """A 16-bit mono WAV at `rate` made of `pieces` (silence where the source is None;
    short sources are padded with silence, so the length is always the plan's)."""
    readers: dict[str, wave.Wave_read] = {}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(wave.open(str(target), "wb"))
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for piece in pieces:
            left = piece.frames
            if piece.source is not None:
                reader = readers.get(piece.source)
                if reader is None:
                    reader = stack.enter_context(wave.open(piece.source, "rb"))
                    readers[piece.source] = reader
                    if (reader.getframerate(), reader.getsampwidth()) != (rate, 2):
                        raise AudioError(f"{piece.source}: not 16-bit PCM at {rate} Hz")
                reader.setpos(min(piece.offset, reader.getnframes()))
                while left > 0:
                    data = reader.readframes(min(left, _CHUNK))
                    if not data:
                        break
                    out.writeframesraw(data)
                    left -= len(data) // 2
            while left > 0:
                n = min(left, _CHUNK)
                out.writeframesraw(b"\x00\x00" * n)
                left -= n


def _run(argv: list[str], what: str, timeout: float = 600) -> str:
    if shutil.which(argv[0]) is None:
        raise AudioError(f"{argv[0]} is not installed (Debian: {_PACKAGE[argv[0]]})")
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise AudioError(f"{what}: {argv[0]} took over {timeout:.0f} s") from None
    if done.returncode != 0:
        raise AudioError(f"{what}: {argv[0]} failed: {done.stderr.strip()[-500:]}")
    return done.stdout + done.stderr


_PACKAGE = {"sox": "sox", "soxi": "sox", "opusenc": "opus-tools", "opusdec": "opus-tools"}


def combine(caller: Path, agent: Path, target: Path, *, stereo: bool) -> None:
    """Caller left and agent right (stereo), or both mixed into one channel (mono: sox
    halves each so that two loud voices cannot clip)."""
    flag = "-M" if stereo else "-m"
    _run(["sox", flag, str(caller), str(agent), "-b", "16", str(target)], "merging the legs")


def to_opus(source: Path, target: Path, bitrate_kbps: int = 24) -> None:
    _run(
        ["opusenc", "--quiet", "--bitrate", str(bitrate_kbps), "--comp", "5", str(source),
         str(target)],
        "encoding to Opus",
    )  # fmt: skip


def wav_duration(path: Path) -> float:
    out = _run(["soxi", "-D", str(path)], "reading the duration")
    return float(out.strip())


def decoded_duration(path: Path, scratch: Path) -> float:
    """Decode the whole Opus file (opusdec) into `scratch` and return the seconds it
    holds: a file that does not decode to the end fails here, not when someone plays it."""
    try:
        _run(["opusdec", "--quiet", "--rate", "16000", str(path), str(scratch)], "decoding")
        return wav_duration(scratch)
    finally:
        scratch.unlink(missing_ok=True)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
