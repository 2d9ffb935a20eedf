"""Run in a fresh process: render one country summary (or the one-page floor), or export every case as CSV (or
only sign in, its floor), and print the peak RSS in KiB."""
import resource
import sys
from datetime import date


def main() -> None:
    what = sys.argv[1]
    if what == "alerts":  # a file of 5,000 squatting alerts uploaded, previewed and confirmed
        from bench.alerts import ALERT_ROWS, alert_rows, bench_companies, csv_file, import_through_app, made_by
        from bench.run import sign_in
        from bench.wsgi import create_bench_app
        from ipdesk.extensions import db

        app = create_bench_app()
        client = app.test_client()
        sign_in(client)
        with app.app_context():
            data = csv_file(alert_rows(bench_companies(db), ALERT_ROWS, date.today()))
        import_id = import_through_app(client, data)
        with app.app_context():
            made = made_by(db, import_id)
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, made)
        return
    if what in ("csv", "signed-in"):
        from bench.run import sign_in
        from bench.wsgi import create_bench_app

        app = create_bench_app()
        client = app.test_client()
        sign_in(client)
        if what == "signed-in":
            print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0)
            return
        response = client.get("/cases/export.csv", buffered=False)  # every case, read as it streams
        if response.status_code != 200:
            raise SystemExit(f"/cases/export.csv: {response.status_code}")
        rows = sum(chunk.count(b"\n") for chunk in response.response) - 1
        response.close()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, rows)
        return
    if what == "floor":
        from bench.documents import static_html
        from ipdesk.reports.pdf import render_pdf

        pdf = render_pdf(static_html(1))
    else:
        from flask_babel import force_locale

        from bench.wsgi import create_bench_app
        from ipdesk.reports.summary import country_summary_pdf

        app = create_bench_app()
        code, start, end = sys.argv[2], date.fromisoformat(sys.argv[3]), date.fromisoformat(sys.argv[4])
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "ko"}), force_locale("ko"):
            pdf = country_summary_pdf(code, start, end)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(pdf))


if __name__ == "__main__":
    main()
