"""GET /healthz reports the database's state: 200 when reachable, 503 when not."""
from tests.conftest import IS_POSTGRES, make_app


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"
    assert response.json["database_backend"] == ("postgresql" if IS_POSTGRES else "sqlite")


def test_healthz_503_when_database_unreachable(tmp_path):
    if IS_POSTGRES:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    else:
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    app = make_app(url)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    assert response.json["status"] == "unavailable"
