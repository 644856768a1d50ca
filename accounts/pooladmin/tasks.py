"""The background tasks of the admin, on the Tasks API (the django-tasks backport of Django 6's django.tasks).

On Django 6, ``from django.tasks import task`` replaces the import; nothing else changes.
"""

from django_tasks import task


@task()
def job_task(job_id: int) -> None:
    """Run one admin job (accounts.pooladmin.jobs) in the worker."""
    from .jobs import job_run

    job_run(job_id=job_id)
