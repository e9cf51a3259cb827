"""Gunicorn settings of the production image (`gunicorn ppm.wsgi --config gunicorn.conf.py`).

Tunable with environment variables: PORT, WEB_CONCURRENCY (worker processes), GUNICORN_THREADS,
GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS (addresses of the reverse proxy allowed to set
X-Forwarded-* headers), GUNICORN_ACCESS_LOG (default "-", standard output; empty: no access log).
Any other gunicorn option: GUNICORN_CMD_ARGS.
"""

import gc
import multiprocessing
import os

from ppm import gc_policy  # gunicorn puts its directory (the project's) on sys.path first

# Garbage collection (ppm/gc_policy.py, the policy `make bench` measures with): higher thresholds
# from the start, the loaded application frozen in each worker, a young collection after each response.
gc.set_threshold(*gc_policy.THRESHOLDS)

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# (2 × cores) + 1 is gunicorn's usual advice; capped so a big host does not exhaust PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 9))
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, so a slow leak never takes the service down.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, as gunicorn advises in containers (slow or read-only disks).
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - gunicorn's own workers write there, nobody else's data
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def post_worker_init(worker):
    """After the worker loaded Django: load the URL configuration (and with it every view module)
    too, then freeze all of it out of the collector's reach."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imported for its side effect: every view module loaded
    gc_policy.settle()


def post_request(worker, req, environ, resp):
    """Once the response is sent (the sync worker calls this after writing it): ppm.gc_policy's
    collection, while the worker has nothing else to do."""
    gc_policy.after_response()
