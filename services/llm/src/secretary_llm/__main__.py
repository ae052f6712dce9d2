"""`python -m secretary_llm`: answers questions about recordings."""

import asyncio

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_llm.answerer import Answerer
from secretary_llm.client import create_client
from secretary_llm.retrieval import MiniLmEmbedder
from secretary_llm.settings import LlmSettings
from secretary_llm.worker import QuestionWorker


def main() -> None:
    settings = LlmSettings()
    configure_logging("llm", settings.log_level, settings.log_format)
    embedder = MiniLmEmbedder(settings.embedding_model_path)
    broker = create_broker(settings)
    QuestionWorker(
        settings,
        broker,
        JobRunner(broker, EventPublisher(broker)),
        Answerer(settings, create_client(settings)),
        embedder,
    ).register()
    asyncio.run(run_worker("llm", settings, broker))


if __name__ == "__main__":
    main()
