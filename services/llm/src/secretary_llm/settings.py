from pydantic import Field, SecretStr
from secretary_runtime.settings import SecretRule, ServiceSettings


class LlmSettings(ServiceSettings):
    llm_base_url: str = Field(
        default="",
        description="OpenAI-compatible API (OpenAI, vLLM, Ollama, llama.cpp server, e.g."
        " http://127.0.0.1:8080/v1). Empty = no language model: questions are answered"
        " llm_not_configured at once and no summaries are written.",
    )
    llm_api_key: SecretStr = Field(
        default=SecretStr("not-needed"), description="API key of that endpoint."
    )
    llm_model: str = Field(default="gpt-4o-mini", description="Model name sent with each request.")
    llm_proxy_url: str = Field(
        default="",
        description="HTTP proxy every LLM request goes through (e.g. http://squid:3128);"
        " empty = direct, or the HTTP(S)_PROXY environment.",
    )
    llm_timeout_s: float = Field(default=120.0, gt=0, description="Timeout of one LLM request.")
    llm_max_retries: int = Field(
        default=3, ge=0, description="Retries of a failed LLM request (5xx, 429, network)."
    )
    llm_max_answer_tokens: int = Field(default=512, ge=16, description="Longest answer.")
    history_turns: int = Field(
        default=4, ge=0, description="Earlier questions and answers kept per recording and user."
    )
    context_token_budget: int = Field(
        default=6000,
        ge=500,
        description="Transcripts up to this many tokens go to the model whole; longer ones"
        " are searched and only the best passages are sent.",
    )
    chunk_window_s: float = Field(
        default=60.0, gt=0, description="Length of the passages a long transcript is cut into."
    )
    retrieval_top_k: int = Field(
        default=4, ge=2, description="Passages retrieved per question (each with neighbours)."
    )
    retrieval_semantic_weight: float = Field(
        default=0.7, ge=0, le=1, description="Share of the embedding score in the ranking."
    )
    retrieval_expansion_similarity: float = Field(
        default=0.6,
        gt=0,
        description="A question's word also matches the meeting's words this similar to it"
        " (embedding cosine); above 1 turns expansion off.",
    )
    citation_tolerance_s: float = Field(
        default=5.0, ge=0, description="How far a cited time may be from the cited speech."
    )
    embedding_model_path: str = Field(
        default="", description="sentence-transformers model directory; empty = bundled MiniLM."
    )

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url.strip())

    def secret_rules(self) -> list[SecretRule]:
        return [*super().secret_rules(), SecretRule("llm_api_key")]
