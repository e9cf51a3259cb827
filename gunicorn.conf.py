"""Gunicorn settings of the production image (`gunicorn ppm.wsgi --config gunicorn.conf.py`).

Tunable with environment variables: PORT, WEB_CONCURRENCY (worker processes), GUNICORN_THREADS,
GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS (addresses of the reverse proxy allowed to set
X-Forwarded-* headers), GUNICORN_ACCESS_LOG (default "-", standard output; empty: no access log).
Any other gunicorn option: GUNICORN_CMD_ARGS.
"""

import gc
import multiprocessing
import os

# Garbage collection (the same figures as `make bench`, ppm/bench.py GC_THRESHOLDS): a young
# collection every 50,000 allocations instead of CPython's 700, and, once a worker has loaded the
# application, its objects frozen out of the collector's reach. Full collections of the whole loaded
# application cost ~75 ms on 2 cores and made a REST page's p95 several times its median.
GC_THRESHOLDS = (50_000, 20, 100)
gc.set_threshold(*GC_THRESHOLDS)

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
    gc.set_threshold(*GC_THRESHOLDS)
    gc.collect()
    gc.freeze()


def post_request(worker, req, environ, resp):
    """Once the response is sent (the sync worker calls this after writing it): a young collection,
    while the worker has nothing else to do. A request leaves objects in reference cycles behind; the
    50,000-allocation threshold then fell due in the middle of a later request holding tens of
    thousands of live objects, a 15-20 ms pause on a REST page of 100 rows (p95 twice its median).
    Collected here, with few objects alive, they cost 0.3-0.9 ms and no client waits for it. As
    CPython would, an older generation is collected with it once its own count is due, so what
    survives into it is not left there for the worker's lifetime (ppm/bench.py after_response does
    the same between measured requests)."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    generation = 2 if counts[2] >= thresholds[2] else 1 if counts[1] >= thresholds[1] else 0
    gc.collect(generation)
