# The one image of the web app, the Celery workers and beat (docker-compose.yml runs it three ways).
# Build: docker build -t casework .    Deployment: docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# gettext: compilemessages in deploy/build.sh (the .mo catalogues are built, never committed).
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# A fixed uid/gid, so that host files given to the container (docker secrets) can be made readable to it.
RUN groupadd --system --gid 10001 casework \
    && useradd --system --uid 10001 --gid casework --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin casework

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Translations, static files and bytecode are built into the image (deploy/build.sh: production
# settings, with throwaway secrets that are written nowhere and sign or encrypt nothing).
RUN PYTHON=python sh deploy/build.sh

# Beat's schedule state (VAR_DIR); a volume in docker-compose.yml. Nothing else is writable.
ENV VAR_DIR=/var/lib/casework \
    GUNICORN_BIND=0.0.0.0:8000
RUN mkdir -p /var/lib/casework && chown casework:casework /var/lib/casework && chmod 0700 /var/lib/casework

USER casework
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
