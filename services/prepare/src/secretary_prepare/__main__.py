"""`python -m secretary_prepare`: the prepare stage, for every front door."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_prepare.settings import PrepareSettings
from secretary_prepare.worker import Preparer


def main() -> None:
    settings = PrepareSettings()
    configure_logging("prepare", settings.log_level, settings.log_format)
    broker = create_broker(settings)
    Preparer(settings, broker, JobRunner(broker, EventPublisher(broker))).register()
    asyncio.run(run_worker("prepare", settings, broker))


if __name__ == "__main__":
    main()
