"""The job API's errors: part of the service's one hierarchy (``app.errors.ApiError``), so
``app.api.errors`` turns them into ``{"error": {"code", "message"}}`` like every other."""

from __future__ import annotations

from app.errors import ApiError


class JobNotFound(ApiError):
    status, code = 404, "job_not_found"


class JobGone(ApiError):
    """The job existed but expired (``TTS_JOB_TTL``) or was deleted."""

    status, code = 410, "job_gone"


class JobNotFinished(ApiError):
    status, code = 409, "job_not_finished"


class NoTimings(ApiError):
    """The job's engine gives no timings (Sambert), so there are none to send."""

    status, code = 404, "timestamps_unsupported"


class TooManyJobs(ApiError):
    status, code = 429, "too_many_jobs"


class JobsUnavailable(ApiError):
    """No Redis configured, or Redis cannot be reached."""

    status, code = 503, "jobs_unavailable"
