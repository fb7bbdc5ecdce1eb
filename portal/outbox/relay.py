"""The relay inside each Celery worker process: a thread that publishes the outbox's waiting
messages every OUTBOX_RELAY_SECONDS (portal.celery starts it on worker_init and stops it on
worker_shutdown). A worker is up exactly when jobs can run, and it needs no broker to start the
thread, so messages written during a Redis outage go out within seconds of Redis answering again."""
import logging
import threading

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


class Relay(threading.Thread):
    def __init__(self, interval: float):
        super().__init__(name="outbox-relay", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self):
        from .services import relay_pending

        while not self.stopped.wait(self.interval):
            try:
                relay_pending()
            except Exception:  # noqa: BLE001 - the database may be restarting; try again next round
                logger.exception("outbox relay: a round failed")
            finally:
                # No connection stays open between rounds: a prefork pool forks its children from
                # this process, and a child must not inherit (and later close) the relay's socket.
                connection.close()

    def stop(self):
        self.stopped.set()
        self.join(timeout=self.interval + 10)


_relay: Relay | None = None


def start() -> None:
    global _relay
    if _relay is None and settings.OUTBOX_RELAY_SECONDS > 0:
        _relay = Relay(settings.OUTBOX_RELAY_SECONDS)
        _relay.start()


def stop() -> None:
    global _relay
    if _relay is not None:
        _relay.stop()
        _relay = None
