# syntax=docker/dockerfile:1
# Multi-stage: build the frontend and the Python wheel set, then a slim non-root runtime.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/frontend
COPY frontend/ ./
RUN if [ -f package.json ]; then npm ci --no-audit --no-fund && npm run build; else mkdir -p dist; fi

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app/ app/
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DECODERS_ENV=production \
    DECODERS_DATA_DIR=/var/lib/decoders WEB_CONCURRENCY=4
RUN useradd --system --create-home --home-dir /home/decoders decoders \
    && mkdir -p /var/lib/decoders && chown decoders /var/lib/decoders
WORKDIR /srv/decoders
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY alembic.ini ./
COPY migrations/ migrations/
COPY app/ app/
COPY --from=frontend /src/frontend/dist frontend/dist
USER decoders
EXPOSE 8000
# Migrate, then serve with several workers; all coordination lives in PostgreSQL.
CMD ["sh", "-c", "decoders db upgrade && exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --proxy-headers"]
