from django.conf import settings


def ensure_broker_folders() -> None:
    """The filesystem broker needs its folders before the first message."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if key in options:
            from pathlib import Path

            Path(options[key]).mkdir(parents=True, exist_ok=True)
