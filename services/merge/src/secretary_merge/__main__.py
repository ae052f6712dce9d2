"""`python -m secretary_merge`: joins words and speaker turns into the transcript."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_merge.joiner import Joiner
from secretary_merge.settings import MergeSettings


def main() -> None:
    settings = MergeSettings()
    configure_logging("merge", settings.log_level, settings.log_format)
    broker = create_broker(settings)
    Joiner(settings, broker, JobRunner(broker, EventPublisher(broker))).register()
    asyncio.run(run_worker("merge", settings, broker))


if __name__ == "__main__":
    main()
