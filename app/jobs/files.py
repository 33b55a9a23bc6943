"""Result files in ``TTS_JOB_DIR``: written under a temporary name, renamed when complete.

A rename within one directory is atomic, so a reader sees either no file or the
whole file: a partial result is never served. The directory is shared (a volume)
by the web workers, which serve and delete results, and the job workers, which
write them. Nothing expires files on its own: ``sweep`` removes those whose job
is gone, run by job workers after every job and now and then, and the web
removes a result as soon as it sees its job has expired.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile

from app.audio.encode import FORMATS, Resampler, StreamEncoder, finish_wav_file
from app.jobs.state import RUNNING, SUCCEEDED, JobRecord

log = logging.getLogger(__name__)

# A part file of the audio or of the timings: .<id>.<owner>.part, .<id>.<owner>.timings.part.
_PART = re.compile(r"\.(?P<id>[A-Za-z0-9_-]{22})\.(?P<owner>[A-Za-z0-9_.-]+?)(?:\.timings)?\.part")
_RESULT = re.compile(r"(?P<id>[A-Za-z0-9_-]{22})\.(?:timings\.json|[a-z0-9]+)")
TIMINGS_SUFFIX = ".timings.json"


class ResultFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, job_id: str, fmt: str) -> Path:
        return self.root / f"{job_id}.{FORMATS[fmt].extension}"

    def timings_path(self, job_id: str) -> Path:
        """The job's timings and subtitles (when its engine gives timings), beside its audio."""
        return self.root / f"{job_id}{TIMINGS_SUFFIX}"

    def write_timings(self, job_id: str, owner: str, document: dict) -> None:
        """Write the timings whole (temporary name, fsync, rename), before the audio is announced."""
        part = self.timings_part_path(job_id, owner)
        try:
            with open(part, "w", encoding="utf-8") as file:
                json.dump(document, file, ensure_ascii=False, separators=(",", ":"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(part, self.timings_path(job_id))
        finally:
            part.unlink(missing_ok=True)

    def part_path(self, job_id: str, owner: str) -> Path:
        return self.root / f".{job_id}.{owner}.part"

    def timings_part_path(self, job_id: str, owner: str) -> Path:
        return self.root / f".{job_id}.{owner}.timings.part"

    @contextmanager
    def writing(self, job_id: str, fmt: str, owner: str) -> Iterator[BinaryIO]:
        """A file to write the result into; it becomes the result only if the block completes."""
        self.root.mkdir(parents=True, exist_ok=True)
        part = self.part_path(job_id, owner)
        try:
            with open(part, "w+b") as file:
                yield file
                file.flush()
                os.fsync(file.fileno())  # the result must be whole on a shared volume before it is announced
            os.replace(part, self.path(job_id, fmt))
        finally:
            part.unlink(missing_ok=True)

    def remove(self, job_id: str, fmt: str) -> None:
        self.path(job_id, fmt).unlink(missing_ok=True)
        self.timings_path(job_id).unlink(missing_ok=True)

    def remove_any(self, job_id: str) -> None:
        """The result of a job whose record (and so its format) is gone."""
        for fmt in FORMATS.values():
            self.path(job_id, fmt.name).unlink(missing_ok=True)
        self.timings_path(job_id).unlink(missing_ok=True)

    def sweep(self, lookup: Callable[[str], JobRecord | None]) -> int:
        """Delete results whose job expired, was deleted or did not succeed, and partial files
        no running job is writing (a killed worker's). ``lookup`` reads a job's record."""
        removed = 0
        try:
            names = os.listdir(self.root)
        except FileNotFoundError:
            return 0
        for name in names:
            part = _PART.fullmatch(name)
            result = None if part else _RESULT.fullmatch(name)
            if part is None and result is None:
                continue  # not ours
            record = lookup((part or result).group("id"))  # type: ignore[union-attr]
            if part is not None:
                keep = record is not None and record.status == RUNNING and record.owner == part.group("owner")
            else:
                # A result whose job is still marked running is one being announced right now.
                keep = record is not None and record.status in (SUCCEEDED, RUNNING)
            if not keep:
                (self.root / name).unlink(missing_ok=True)
                removed += 1
        if removed:
            log.info("removed %d job file(s) whose job is gone", removed)
        return removed


class AudioFileWriter:
    """Audio written to a file piece by piece, in any format: the stream encoders (WAV gets its
    real sizes at the end), except FLAC: libsndfile writes it on the file itself, so that its
    header states the length (a streamed FLAC's says "unknown")."""

    def __init__(self, file: BinaryIO, fmt: str, in_rate: int, out_rate: int) -> None:
        self._file = file
        self._format = fmt
        self._sound: soundfile.SoundFile | None = None
        self._encoder: StreamEncoder | None = None
        if fmt != "flac":
            self._encoder = StreamEncoder(fmt, in_rate, out_rate)
            file.write(self._encoder.start())
        else:
            self._resample = Resampler(in_rate, out_rate)
            self._sound = soundfile.SoundFile(file, "w", out_rate, 1, format=fmt.upper(), subtype="PCM_16")

    def write(self, audio: np.ndarray) -> None:
        if self._encoder is not None:
            self._file.write(self._encoder.write(audio))
        elif self._sound is not None:
            self._sound.write(np.clip(self._resample(audio), -1.0, 1.0))

    def finish(self) -> None:
        if self._encoder is not None:
            self._file.write(self._encoder.finish())
            if self._format == "wav":
                finish_wav_file(self._file)
        elif self._sound is not None:
            self._sound.write(np.clip(self._resample(np.zeros(0, np.float32), last=True), -1.0, 1.0))
            self._sound.close()
