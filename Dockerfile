# Pilotis production image: gunicorn by default; the same image runs the Celery worker and beat
# (see docker-compose.yml). Build: docker build -t pilotis .   (S3 storage: --build-arg PILOTIS_EXTRAS=s3)
FROM python:3.11-slim-bookworm

ARG PILOTIS_EXTRAS=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=ppm.settings \
    PILOTIS_VAR_DIR=/var/lib/pilotis \
    DJANGO_MEDIA_ROOT=/var/lib/pilotis/media \
    DJANGO_STATIC_ROOT=/app/staticfiles

# WeasyPrint (PDF reports) needs Pango, HarfBuzz (with its subsetter) and fontconfig, plus a font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 pilotis \
    && useradd --system --uid 1000 --gid pilotis --home-dir /app --shell /usr/sbin/nologin pilotis

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN python -c "import os, tomllib; \
project = tomllib.load(open('pyproject.toml', 'rb'))['project']; \
extras = [name.strip() for name in os.environ.get('PILOTIS_EXTRAS', '').split(',') if name.strip()]; \
print('\n'.join(project['dependencies'] + [r for e in extras for r in project['optional-dependencies'][e]]))" \
    > /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt

COPY . .
# The package is installed too; /app stays first on the path (PYTHONPATH) so templates, static
# files and translations are found next to the code.
RUN pip install --no-deps ".${PILOTIS_EXTRAS:+[$PILOTIS_EXTRAS]}"

# Static files are collected at build time; the secret here is a throw-away build-time value.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-a-secret DJANGO_ALLOWED_HOSTS=localhost \
        PILOTIS_VAR_DIR=/tmp/build-var \
        python manage.py collectstatic --noinput --verbosity 0 \
    && rm -rf /tmp/build-var \
    && mkdir -p /var/lib/pilotis/media \
    && chown -R pilotis:pilotis /var/lib/pilotis

USER pilotis
EXPOSE 8000
CMD ["gunicorn", "ppm.wsgi", "--config", "/app/gunicorn.conf.py"]
