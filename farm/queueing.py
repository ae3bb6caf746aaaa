"""The Celery configuration shared by the scheduler (which only sends) and the workers.

The control plane enqueues by task *name*, so it never imports the workers' task code.
"""

from __future__ import annotations

import logging
import os
import time

import redis
from celery import Celery
from kombu import Queue
from kombu.exceptions import BatchPublishError, OperationalError

from farm.broker_transport import TRANSPORT
from farm.ledger import RIDE_OUT_S, SCORE, VERIFY, JobKey

log = logging.getLogger("benchfarm.queueing")

GENERATE_QUEUE = "generate"
RUNTIME_QUEUE = "runtime"  # verify jobs: builds and live servers, on workers sized for them
SCORE_QUEUE = "score"
QUEUES = (GENERATE_QUEUE, RUNTIME_QUEUE, SCORE_QUEUE)
PHASE_TASK = "benchfarm.run_phase"
VERIFY_TASK = "benchfarm.verify_run"
SCORE_TASK = "benchfarm.score_run"
# The jobs after a run's phases, each a task on a queue of its own, called with (round, model, project).
RUN_TASKS: dict[str, tuple[str, str]] = {VERIFY: (VERIFY_TASK, RUNTIME_QUEUE), SCORE: (SCORE_TASK, SCORE_QUEUE)}

# A phase job can run for an hour; a message is handed to another worker only after this long
# unacknowledged. Redeliveries are harmless (job leases + checkpoints), but wasteful.
DEFAULT_VISIBILITY_TIMEOUT_S = 4 * 3600


def make_celery(broker_url: str) -> Celery:
    app = Celery("benchfarm", broker=broker_url)
    app.conf.update(
        broker_transport=TRANSPORT,  # kombu's Redis transport, without its crash on a Redis restart
        task_acks_late=True,
        task_reject_on_worker_lost=True,  # a killed worker's job goes back to the queue
        worker_prefetch_multiplier=1,
        task_queues=tuple(Queue(queue) for queue in QUEUES),
        task_default_queue=GENERATE_QUEUE,
        task_routes={PHASE_TASK: {"queue": GENERATE_QUEUE},
                     **{task: {"queue": queue} for task, queue in RUN_TASKS.values()}},
        task_ignore_result=True,  # outcomes live in the ledger, not a result backend
        task_serializer="json",
        accept_content=["json"],
        worker_send_task_events=True,  # Flower
        task_send_sent_event=True,
        broker_connection_retry_on_startup=True,
        # A worker outlives a Redis restart however long: its consumer reconnects until Redis is back
        # (never exits after N attempts), and jobs running meanwhile go on (their clients ride out).
        broker_connection_retry=True,
        broker_connection_max_retries=None,
        worker_cancel_long_running_tasks_on_connection_loss=False,
        broker_transport_options={
            "visibility_timeout": int(os.environ.get("FARM_VISIBILITY_TIMEOUT_S", DEFAULT_VISIBILITY_TIMEOUT_S)),
            "socket_timeout": 30,  # a half-open connection (a host gone without a FIN) is noticed
            "socket_connect_timeout": 5,
        },
        worker_hijack_root_logger=False,
    )
    return app


def send_jobs(app: Celery, round_id: str, jobs: list[JobKey], ride_out_s: float = RIDE_OUT_S) -> None:
    """Enqueue jobs (phase, verify or score) in one Redis round trip: each message and its task-sent
    event go into one kombu publish batch, not a connection checkout and a round trip each.

    While Redis is unreachable the batch is sent again (0.1 s doubling to 2 s) for `ride_out_s`,
    then the error is raised. A batch whose outcome was uncertain may arrive twice: harmless, a
    job's lease and compare-and-set states make a second delivery find the job taken or done."""
    delay, deadline = 0.1, time.monotonic() + ride_out_s
    while True:
        try:
            return _send(app, round_id, jobs)
        except (BatchPublishError, OperationalError, redis.ConnectionError, redis.TimeoutError) as exc:
            if time.monotonic() + delay > deadline:
                raise
            log.warning("sending %d job(s) of %s failed, again in %.1fs: %s", len(jobs), round_id, delay, exc)
            time.sleep(delay)
            delay = min(2 * delay, 2.0)


def _send(app: Celery, round_id: str, jobs: list[JobKey]) -> None:
    with app.producer_or_acquire() as producer, producer.batch():
        for job in jobs:
            if job.phase in RUN_TASKS:
                (task, queue), args = RUN_TASKS[job.phase], [round_id, job.model, job.project]
            else:
                task, queue, args = PHASE_TASK, GENERATE_QUEUE, [round_id, job.model, job.project, job.phase]
            app.send_task(task, args=args, queue=queue, producer=producer)
