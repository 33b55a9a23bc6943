"""The command line: ``python -m app say "文本" -o a.wav``, a thin wrapper over the synthesis core.

Text comes from the argument, from ``-f FILE``, or from standard input (``-`` or
``-f -``); audio goes to ``-o FILE`` or to standard output (``-o -``). The format
follows the output file's extension unless ``--format`` says otherwise. Long
texts are synthesised and written sentence by sentence, with a progress bar on a
terminal. Bad input ends with a one-line error and exit status 2; a failure of
the engine with exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
from tqdm import tqdm

from app.audio.encode import StreamEncoder, encode, finish_wav_file
from app.config import ConfigError, load_settings
from app.errors import ApiError, InvalidParameter
from app.schemas import EMOTION_IDS, FORMAT_NAMES, TTSParams, known_fields, validate
from app.synthesis import Deadline, SynthesisRequest, Synthesizer

PROG = "python -m app"
EXTENSIONS = {".wav": "wav", ".mp3": "mp3", ".ogg": "ogg", ".opus": "ogg", ".flac": "flac", ".pcm": "pcm"}
# The command line has no request limit: a book is fine, it is written as it is made.
MAX_CHARS = 1_000_000


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="HuaYin Chinese text-to-speech.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    say = commands.add_parser("say", help="speak a text into an audio file", description="Speak a text.")
    say.add_argument("text", nargs="?", help='the text (or SSML); "-" reads standard input')
    say.add_argument("-f", "--file", help='read the text from FILE ("-": standard input)')
    say.add_argument("-o", "--output", help='write the audio to FILE ("-": standard output)')
    say.add_argument("--format", choices=FORMAT_NAMES, help="audio format (default: from the file name, else wav)")
    say.add_argument("--voice", help="voice id (default: the engine's first voice)")
    say.add_argument("--emotion", choices=EMOTION_IDS, help="emotion preset (default: neutral)")
    say.add_argument("--intensity", help="strength of the emotion, 0–2 (default 1)")
    say.add_argument("--speed", help="speaking rate multiplier, 0.5–2 (default 1)")
    say.add_argument("--pitch", help="pitch shift in semitones, -12–12 (default 0)")
    say.add_argument("--volume", help="loudness multiplier, 0–2 (default 1)")
    say.add_argument("--sample-rate", help="output sample rate (default: the engine's own)")
    say.add_argument(
        "--progress", action=argparse.BooleanOptionalAction, help="show a progress bar (default: on a terminal)"
    )
    return parser


def read_text(args: argparse.Namespace) -> str:
    if args.file is not None and args.text is not None:
        raise UsageError("give the text or -f FILE, not both")
    source = args.file if args.file is not None else args.text
    if source is None:
        raise UsageError('give a text, -f FILE, or "-" to read standard input')
    if source == "-":
        return sys.stdin.read()
    if args.file is None:
        return source
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {source}: {exc}") from None


def output_format(args: argparse.Namespace) -> str:
    if args.format:
        return args.format
    if args.output and args.output != "-":
        return EXTENSIONS.get(Path(args.output).suffix.lower(), "wav")
    return "wav"


def to_request(args: argparse.Namespace, text: str) -> SynthesisRequest:
    """The same checks and ranges as ``/tts`` (``app.schemas``), applied to the options."""
    options = {
        "text": text,
        "voice": args.voice,
        "emotion": args.emotion,
        "intensity": args.intensity,
        "speed": args.speed,
        "pitch": args.pitch,
        "volume": args.volume,
        "format": output_format(args),
        "sample_rate": args.sample_rate,
    }
    # The text is kept even when empty, so that it is reported as empty rather than missing.
    params = validate(TTSParams, {**known_fields(TTSParams, options), "text": text}, strict=False)
    return SynthesisRequest.from_params(params)


@contextlib.contextmanager
def open_output(path: str | None) -> Iterator[BinaryIO]:
    if path is None and sys.stdout.isatty():
        raise UsageError("give -o FILE (or -o - to write the audio to standard output)")
    if path in (None, "-"):
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        file = open(path, "wb")  # noqa: SIM115 - closed below, after the header is finished
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc}") from None
    with file:
        yield file


def say(args: argparse.Namespace) -> None:
    text = read_text(args)
    synthesizer = Synthesizer(load_settings({"warmup": False, "log_level": "warning", "max_text_chars": MAX_CHARS}))
    job = synthesizer.prepare(to_request(args, text))
    pieces = synthesizer.plan(job)
    audio = (rendered.audio for rendered in synthesizer.render(pieces, Deadline(None)))
    # --progress / --no-progress; by default a bar only when stderr is a terminal.
    disable = None if args.progress is None else not args.progress
    progress = tqdm(audio, total=len(pieces), unit="sentence", file=sys.stderr, disable=disable)
    rate = synthesizer.sample_rate
    with open_output(args.output) as out:
        if job.format == "flac":  # written whole, so that its header states the length
            out.write(encode(np.concatenate(list(progress)), rate, job.format, job.sample_rate))
            return
        encoder = StreamEncoder(job.format, rate, job.sample_rate)
        out.write(encoder.start())
        for chunk in progress:
            out.write(encoder.write(chunk))
        out.write(encoder.finish())
        if job.format == "wav" and out.seekable():
            finish_wav_file(out)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        say(args)
    except (UsageError, InvalidParameter, ConfigError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except ApiError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return 2 if exc.status < 500 else 1
    except BrokenPipeError:  # e.g. piped into a player that stopped reading
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
