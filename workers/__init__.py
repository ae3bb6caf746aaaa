"""benchfarm workers: the Celery app and tasks, the function-calling harness, the five phases."""
