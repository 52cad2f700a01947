"""Queueing a task when the job row is the truth: try the broker once, quickly, and report
whether it took the message. A web request must not hang while Redis is down; the sweepers
queue what did not get through."""

import logging
from typing import Any

from celery import Task
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError

logger = logging.getLogger(__name__)

BROKER_DOWN = (BrokerError, RedisConnectionError, ConnectionError, OSError)


def task_send(task: Task, *args: Any, countdown: float = 0) -> bool:
    try:
        task.apply_async(
            args=list(args),
            countdown=countdown or None,
            retry=True,
            retry_policy={
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.2,
            },
        )
    except BROKER_DOWN:
        logger.warning("broker unreachable: %s%r left for the sweeper", task.name, args)
        return False
    return True
