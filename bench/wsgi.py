"""The benchmark's app: ipdesk as wsgi.py makes it, plus the floor endpoints when BENCH_FLOORS=1."""
import os

from bench.floors import register_floors
from ipdesk import create_app


def create_bench_app():
    app = create_app({"BENCH_FLOORS": os.environ.get("BENCH_FLOORS") == "1"})
    register_floors(app)
    return app


app = create_bench_app()
