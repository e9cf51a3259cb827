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


@pytest.fixture
def filesystem_broker(monkeypatch, tmp_path):
    """Point Celery at the filesystem broker with folders under tmp_path; yields the folder options."""
    options = {
        "data_folder_in": str(tmp_path / "broker" / "queue"),
        "data_folder_out": str(tmp_path / "broker" / "queue"),
        "processed_folder": str(tmp_path / "broker" / "processed"),
        "control_folder": str(tmp_path / "broker" / "control"),
        "store_processed": False,
    }
    previous = app.conf.broker_url, app.conf.broker_transport_options
    monkeypatch.setenv("CELERY_BROKER_URL", "filesystem://")
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = options
    try:
        yield options
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous


@pytest.mark.django_db
def test_readyz_is_ok_with_a_writable_filesystem_broker(client, filesystem_broker):
    response = client.get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_readyz_is_unavailable_when_the_broker_folder_cannot_be_written(client, filesystem_broker, tmp_path):
    # A file where the queue folder should be: nothing can be written there, not even by root.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    filesystem_broker["data_folder_in"] = filesystem_broker["data_folder_out"] = str(blocker / "queue")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")
    assert response.json()["checks"]["database"] == "ok"
