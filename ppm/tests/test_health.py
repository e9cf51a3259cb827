import pytest

from ppm.celery import app


@pytest.mark.django_db
def test_healthz_answers_without_touching_dependencies(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ok_when_database_and_broker_answer(client):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.fixture
def broker_down(monkeypatch):
    """Point Celery at a closed port (port 1 on loopback refuses at once), then restore it.

    Celery reads the CELERY_BROKER_URL environment variable before its own setting (CI sets it),
    so both are pointed at the closed port.
    """
    closed = "redis://127.0.0.1:1/0"
    previous = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", closed)
    app.conf.broker_url = closed
    try:
        yield
    finally:
        app.conf.broker_url = previous


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_is_down(client, broker_down):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error")
