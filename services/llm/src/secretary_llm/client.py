"""The OpenAI-compatible client: explicit endpoint, key, proxy, timeout and retries."""

from __future__ import annotations

from openai import AsyncOpenAI, DefaultAsyncHttpx2Client

from secretary_llm.settings import LlmSettings


def create_client(settings: LlmSettings) -> AsyncOpenAI:
    # the openai client retries 5xx, 429 (honouring Retry-After) and connection errors with
    # exponential back-off; the job runner retries the whole question after that
    http_client = (
        DefaultAsyncHttpx2Client(proxy=settings.llm_proxy_url)
        if settings.llm_proxy_url
        else DefaultAsyncHttpx2Client()
    )
    return AsyncOpenAI(
        base_url=settings.llm_base_url,
        api_key=settings.llm_api_key.get_secret_value(),
        timeout=settings.llm_timeout_s,
        max_retries=settings.llm_max_retries,
        http_client=http_client,
    )
