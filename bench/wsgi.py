"""The benchmark's app: ipdesk as wsgi.py makes it, plus the floor endpoints when BENCH_FLOORS=1."""
import os

from bench.floors import register_floors
from ipdesk import create_app


def create_bench_app():
    # no reminders scheduled: they would write to the bench database in the middle of a measurement
    app = create_app({"BENCH_FLOORS": os.environ.get("BENCH_FLOORS") == "1", "NOTIFY_DUE_MINUTES": 0})
    register_floors(app)
    return app


app = create_bench_app()
