"""Assessment work for the background worker (`cwtt worker`, cwtt/jobs)."""

from __future__ import annotations

from django_tasks import task

from .rescoring import rescore_run


@task()
def rescore(run_id: int) -> str:
    """A rescore queued with `cwtt rescore --on-worker`: batch by batch, each committed; if the
    worker stops, queueing the same run again continues after its last batch."""
    run = rescore_run(run_id)
    return (
        f"{run.done - run.deleted} risk profiles recomputed, {run.changed} changed, "
        f"{run.deleted} deleted"
    )
