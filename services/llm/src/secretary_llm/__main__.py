"""`python -m secretary_llm`: answers questions about recordings."""

import asyncio
import logging

from secretary_runtime.jobs import JobRunner
from secretary_runtime.logs import configure_logging
from secretary_runtime.publishing import EventPublisher
from secretary_runtime.service import create_broker, run_worker

from secretary_llm.answerer import Answerer
from secretary_llm.client import create_client
from secretary_llm.retrieval import MiniLmEmbedder
from secretary_llm.settings import LlmSettings
from secretary_llm.summaries import Summarizer
from secretary_llm.worker import QuestionWorker, SummaryWorker

logger = logging.getLogger("secretary_llm")


def main() -> None:
    settings = LlmSettings()
    configure_logging("llm", settings.log_level, settings.log_format)
    if not settings.llm_configured:
        logger.warning(
            "no language model is configured (SECRETARY_LLM_BASE_URL): questions are answered"
            " llm_not_configured and recordings get no summary"
        )
    embedder = MiniLmEmbedder(settings.embedding_model_path)
    broker = create_broker(settings)
    client = create_client(settings)
    jobs = JobRunner(broker, EventPublisher(broker))
    QuestionWorker(settings, broker, jobs, Answerer(settings, client), embedder).register()
    SummaryWorker(settings, broker, jobs, Summarizer(settings, client)).register()
    asyncio.run(run_worker("llm", settings, broker))


if __name__ == "__main__":
    main()
