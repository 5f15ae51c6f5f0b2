"""gunicorn settings for production: `gunicorn -c deploy/gunicorn.conf.py` from the project folder.

Everything that differs between machines comes from the environment (deploy/env.example lists it).
The app itself reads its settings from the same environment (config/settings.py).
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"

# Behind the TLS proxy on the same machine by default; a container binds 0.0.0.0:8000 instead.
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]

# Synchronous workers: each request holds one process. (2 x cores) + 1 is gunicorn's rule of
# thumb; capped so that a large machine does not open more database connections than it needs.
workers = int(os.environ.get("GUNICORN_WORKERS") or min(2 * multiprocessing.cpu_count() + 1, 9))
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)  # seconds a request may run before its worker is replaced
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, not all at once): any slow leak stays small.
max_requests = 2000
max_requests_jitter = 200

# The addresses of the proxy, trusted for X-Forwarded-Proto (gunicorn's own scheme detection).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to stdout/stderr (the journal, or the container log). The access log holds the method, the
# path without its query string, the status, the size and the duration: no address, no referrer,
# no user agent. Our paths hold ids, never personal data (search is a POST); query strings (paging,
# filters) are left out all the same.
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The heartbeat files on memory, not on disk (a disk that stalls would make workers look dead).
# A shared tmpfs, but it holds nothing but these empty files.
HEARTBEAT_DIR = "/dev/shm"  # noqa: S108  # nosec B108
worker_tmp_dir = HEARTBEAT_DIR if os.path.isdir(HEARTBEAT_DIR) else None

# No runtime control socket: nothing here uses gunicornc, and the home folder is read-only.
control_socket_disable = True
