"""gunicorn's configuration for the web process: ``gunicorn -c config/gunicorn.py config.wsgi``.

Every value comes from the environment, so one file serves every host.
https://docs.gunicorn.org/en/stable/settings.html
"""

import os


def _number(name, default, kind=int):
    value = os.environ.get(name, "")
    return kind(value) if value.strip() else default


# A platform that hands out a port (PORT) expects the process to listen on every
# interface; anywhere else, loopback behind the proxy.
bind = os.environ.get("GUNICORN_BIND") or (
    f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000"
)
# WEB_CONCURRENCY is the name platforms (Heroku, Render) set for the process count.
workers = _number("WEB_CONCURRENCY", 2)
# Threads keep a worker answering while one of its requests waits on Cognito.
threads = _number("GUNICORN_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"

# The longest request is a bulk admin action: its time budget, plus a few Cognito
# calls of COGNITO_TIMEOUT each that may already be under way when the budget runs
# out, plus a margin. A sign-in (token endpoint, then JWKS) waits at most 2 timeouts.
_WORST_COGNITO_WAIT = _number("COGNITO_BULK_TIME_BUDGET", 20.0, float) + 3 * _number("COGNITO_TIMEOUT", 5.0, float)
timeout = _number("GUNICORN_TIMEOUT", int(_WORST_COGNITO_WAIT) + 10)
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _number("GUNICORN_KEEPALIVE", 5)

# gunicorn 27's control socket (for gunicornc) defaults to one path per user account,
# which every gunicorn of that account on the host would share: off unless a path is set.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

# Logs to the console, like Django's own (config/settings/base.py LOGGING).
accesslog = "-"
errorlog = "-"
# gunicorn would itself mark a request https when X-Forwarded-Proto says so and it
# comes from 127.0.0.1, which Django then believes: one switch decides instead,
# DJANGO_TRUST_X_FORWARDED_PROTO (config/settings/production.py).
secure_scheme_headers = {}


def post_worker_init(worker):
    """Compile the user-agent parser's patterns as the worker starts (about 2 s), not on its first account page."""
    from accounts.selfservice.devices import device_name

    device_name("Mozilla/5.0 (X11; Linux x86_64)")
