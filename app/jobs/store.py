"""Job state in Redis: one hash per job, a few sets and counters, changed only by small Lua scripts.

Every change of status is one script, so it is atomic across web workers, job
workers and machines: a job is claimed by exactly one worker, a cancelled job
cannot be marked succeeded afterwards, and a worker that lost its job (cancelled,
expired, or retried elsewhere after it went silent) finds out at its next
progress update.

Keys (``huayin:`` prefix):
  job:<id>           hash of the job's fields (app.jobs.state), expiring TTS_JOB_TTL after submission
  job:<id>:gone      "expired" or "deleted", kept a week longer, so an old id answers 410, not 404
  jobs:queued        ids waiting for a worker       } the metrics read their sizes; the sweep
  jobs:running       ids a worker is synthesising   } looks through "running" for silent workers
  jobs:client:<key>  a client's queued or running jobs (the per-key limit), pruned as they finish
  jobs:finished      hash: status → count of jobs that ended so (counters for /metrics)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import redis

from app.jobs.errors import JobsUnavailable, TooManyJobs
from app.jobs.state import FINISHED, JobRecord

T = TypeVar("T")
PREFIX = "huayin:"
JOB_PREFIX = PREFIX + "job:"
QUEUED_SET = PREFIX + "jobs:queued"
RUNNING_SET = PREFIX + "jobs:running"
FINISHED_COUNTS = PREFIX + "jobs:finished"
GONE_KEPT_S = 7 * 86400  # how long past its expiry an id still answers 410
# A job whose worker went silent this many times fails instead of being retried again:
# the text itself may be what kills the worker (e.g. out of memory).
MAX_ATTEMPTS = 3

_CREATE = """
local limit = tonumber(ARGV[2])
if limit > 0 then
  local active = 0
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local status = redis.call('HGET', ARGV[5] .. id, 'status')
    if status == 'queued' or status == 'running' then active = active + 1
    else redis.call('SREM', KEYS[4], id) end
  end
  if active >= limit then return active end
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('EXPIRE', KEYS[4], ARGV[3])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('SET', KEYS[2], 'expired', 'EX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
return -1
"""

_CLAIM = """
local f = redis.call('HMGET', KEYS[1], 'status', 'heartbeat', 'attempts')
if not f[1] then return 'missing' end
if f[1] ~= 'queued' and f[1] ~= 'running' then return f[1] end
local now = tonumber(ARGV[3])
local heartbeat = tonumber(f[2])
if f[1] == 'running' and heartbeat and now - heartbeat <= tonumber(ARGV[4]) then return 'busy' end
local attempts = tonumber(f[3]) or 0
if attempts >= tonumber(ARGV[5]) then
  redis.call('HSET', KEYS[1], 'status', 'failed', 'finished_at', ARGV[3], 'owner', '',
             'error_code', 'worker_lost', 'error_message', ARGV[6])
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[1])
  redis.call('HINCRBY', KEYS[4], 'failed', 1)
  return 'failed'
end
redis.call('HSET', KEYS[1], 'status', 'running', 'owner', ARGV[2], 'heartbeat', ARGV[3], 'started_at', ARGV[3],
           'attempts', attempts + 1, 'sentences_done', 0, 'sentences_total', 0, 'audio_seconds', 0)
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 'claimed'
"""

# Heartbeat, and progress when given; answers what the worker should do next.
_PROGRESS = """
local f = redis.call('HMGET', KEYS[1], 'status', 'owner')
if not f[1] then return 'missing' end
if f[1] ~= 'running' then return f[1] end
if f[2] ~= ARGV[1] then return 'taken' end
redis.call('HSET', KEYS[1], 'heartbeat', ARGV[2])
if ARGV[3] then
  redis.call('HSET', KEYS[1], 'sentences_done', ARGV[3], 'sentences_total', ARGV[4], 'audio_seconds', ARGV[5])
end
return 'running'
"""

_FINISH = """
local f = redis.call('HMGET', KEYS[1], 'status', 'owner')
if not f[1] then return 'missing' end
if f[1] ~= 'running' then return f[1] end
if f[2] ~= ARGV[1] then return 'taken' end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'finished_at', ARGV[3], 'owner', '',
           'error_code', ARGV[4], 'error_message', ARGV[5])
redis.call('SREM', KEYS[2], ARGV[6])
redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
return 'ok'
"""

_CANCEL = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'missing' end
if status == 'queued' or status == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'finished_at', ARGV[2], 'owner', '')
  redis.call('SREM', KEYS[3], ARGV[1])
  redis.call('SREM', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[5], 'cancelled', 1)
  return 'cancelled'
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], 'deleted', 'KEEPTTL')
return 'deleted'
"""

_RECOVER = """
local f = redis.call('HMGET', KEYS[1], 'status', 'heartbeat')
if not f[1] then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SREM', KEYS[3], ARGV[1])
  return 'missing'
end
if f[1] ~= 'running' then
  redis.call('SREM', KEYS[3], ARGV[1])
  return f[1]
end
local heartbeat = tonumber(f[2])
if heartbeat and tonumber(ARGV[2]) - heartbeat <= tonumber(ARGV[3]) then return 'busy' end
redis.call('HSET', KEYS[1], 'status', 'queued', 'owner', '')
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[1])
return 'requeued'
"""


def job_key(job_id: str) -> str:
    return JOB_PREFIX + job_id


def gone_key(job_id: str) -> str:
    return JOB_PREFIX + job_id + ":gone"


def client_key(client: str) -> str:
    return PREFIX + "jobs:client:" + client


@dataclass(frozen=True)
class JobCounts:
    queued: int
    running: int
    finished: dict[str, int]  # succeeded / failed / cancelled → count since Redis was new


class JobStore:
    """The jobs of one Redis database. Redis errors become ``JobsUnavailable`` (503)."""

    def __init__(self, redis_url: str, *, ttl: int, stale_after: float) -> None:
        if not redis_url:
            raise JobsUnavailable("long-text jobs need Redis: set TTS_REDIS_URL (and run a job worker: make worker)")
        self.ttl = ttl
        self.stale_after = stale_after
        self.redis = redis.Redis.from_url(
            redis_url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
        )
        self._create = self.redis.register_script(_CREATE)
        self._claim = self.redis.register_script(_CLAIM)
        self._progress = self.redis.register_script(_PROGRESS)
        self._finish = self.redis.register_script(_FINISH)
        self._cancel = self.redis.register_script(_CANCEL)
        self._recover = self.redis.register_script(_RECOVER)

    def create(self, record: JobRecord, *, limit: int) -> None:
        """Store a new queued job; with ``limit`` (> 0), refuse if its client has that many active."""
        fields = [item for pair in record.to_hash().items() for item in pair]
        keys = [job_key(record.id), gone_key(record.id), QUEUED_SET, client_key(record.client)]
        limit = limit if record.client else 0
        args = [record.id, limit, self.ttl, self.ttl + GONE_KEPT_S, JOB_PREFIX, *fields]
        active = self._call(self._create, keys=keys, args=args)
        if active >= 0:
            raise TooManyJobs(
                f"this API key already has {active} job(s) queued or running (the limit is {limit}); "
                "wait for one to finish or cancel one (DELETE /v1/audio/jobs/<id>)",
                limit=limit,
            )

    def get(self, job_id: str) -> JobRecord | None:
        fields = self._call(self.redis.hgetall, job_key(job_id))
        return JobRecord.from_hash(job_id, fields) if fields else None

    def gone_reason(self, job_id: str) -> str | None:
        """Why a job that existed is gone ("expired" or "deleted"); None for an id never seen."""
        return self._call(self.redis.get, gone_key(job_id))

    def claim(self, job_id: str, owner: str, now: float | None = None) -> str:
        """Take the job for ``owner``: "claimed", or why not ("busy": another worker runs it and
        is alive; "missing"; its end status; "failed": too many attempts, now failed)."""
        reason = f"the job's worker stopped (killed or crashed) {MAX_ATTEMPTS} times; giving up"
        keys = [job_key(job_id), QUEUED_SET, RUNNING_SET, FINISHED_COUNTS]
        args = [job_id, owner, repr(now or time.time()), self.stale_after, MAX_ATTEMPTS, reason]
        return self._call(self._claim, keys=keys, args=args)

    def progress(
        self, job_id: str, owner: str, done: int | None = None, total: int = 0, audio_seconds: float = 0.0
    ) -> str:
        """A heartbeat (with progress when ``done`` is given). "running" means carry on."""
        args: list[Any] = [owner, repr(time.time())]
        if done is not None:
            args += [done, total, f"{audio_seconds:.3f}"]
        return self._call(self._progress, keys=[job_key(job_id)], args=args)

    def finish(self, job_id: str, owner: str, status: str, error_code: str = "", message: str = "") -> str:
        """Record the end: "ok", or why the job was no longer this worker's to finish."""
        assert status in FINISHED
        keys = [job_key(job_id), RUNNING_SET, FINISHED_COUNTS]
        args = [owner, status, repr(time.time()), error_code, message, job_id]
        return self._call(self._finish, keys=keys, args=args)

    def cancel(self, job_id: str) -> str:
        """Cancel a queued or running job ("cancelled"), remove an ended one ("deleted"), or "missing"."""
        keys = [job_key(job_id), gone_key(job_id), QUEUED_SET, RUNNING_SET, FINISHED_COUNTS]
        return self._call(self._cancel, keys=keys, args=[job_id, repr(time.time())])

    def recover(self, job_id: str, now: float | None = None) -> str:
        """Put a running job whose worker went silent back in the queue ("requeued"); the
        caller then sends it to the workers again."""
        keys = [job_key(job_id), QUEUED_SET, RUNNING_SET]
        return self._call(self._recover, keys=keys, args=[job_id, repr(now or time.time()), self.stale_after])

    def running_ids(self) -> set[str]:
        return self._call(self.redis.smembers, RUNNING_SET)

    def prune_queued(self) -> None:
        """Forget queued ids whose job expired before any worker took it."""
        ids = list(self._call(self.redis.smembers, QUEUED_SET))
        if not ids:
            return
        pipe = self.redis.pipeline(transaction=False)
        for job_id in ids:
            pipe.exists(job_key(job_id))
        missing = [job_id for job_id, exists in zip(ids, self._call(pipe.execute), strict=True) if not exists]
        if missing:
            self._call(self.redis.srem, QUEUED_SET, *missing)

    def counts(self) -> JobCounts:
        pipe = self.redis.pipeline(transaction=False)
        pipe.scard(QUEUED_SET).scard(RUNNING_SET).hgetall(FINISHED_COUNTS)
        queued, running, finished = self._call(pipe.execute)
        return JobCounts(queued, running, {status: int(finished.get(status, 0)) for status in sorted(FINISHED)})

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise JobsUnavailable(f"the job store (Redis) cannot be reached: {exc}") from exc

    def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._unavailable():
            return fn(*args, **kwargs)
