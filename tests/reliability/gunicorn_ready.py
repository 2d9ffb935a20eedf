"""Gunicorn settings for the tests' servers: each worker says when it has loaded the app and can take requests,
so a test that needs every worker waits for all of them, not for the first one."""

READY = "ipdesk worker ready:"


def post_worker_init(worker):
    worker.log.info("%s %s", READY, worker.pid)
