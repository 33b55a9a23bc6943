"""The synthesis core, usable as a library (no Flask needed)::

from app.config import load_settings
from app.synthesis import Synthesizer, SynthesisRequest

synthesizer = Synthesizer(load_settings())
result = synthesizer.synthesize(SynthesisRequest("今天天气很好。", emotion="happy"))
result.audio, result.sample_rate  # float32 mono samples
"""

from app.synthesis.admission import Deadline
from app.synthesis.cache import Clip
from app.synthesis.plan import Piece
from app.synthesis.request import Job, SynthesisRequest
from app.synthesis.stream import AudioStream
from app.synthesis.synthesizer import Readiness, Result, Synthesizer

__all__ = [
    "AudioStream",
    "Clip",
    "Deadline",
    "Job",
    "Piece",
    "Readiness",
    "Result",
    "SynthesisRequest",
    "Synthesizer",
]
