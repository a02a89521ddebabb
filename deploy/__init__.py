"""Running the dashboard as several server processes behind a reverse proxy (``python -m deploy.cluster``)."""
