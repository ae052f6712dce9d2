from pydantic import Field
from secretary_runtime.settings import ServiceSettings


class LlmSettings(ServiceSettings):
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
        default=0.8, ge=0, le=1, description="Share of the embedding score in the ranking."
    )
    citation_tolerance_s: float = Field(
        default=5.0, ge=0, description="How far a cited time may be from the cited speech."
    )
    embedding_model_path: str = Field(
        default="", description="sentence-transformers model directory; empty = bundled MiniLM."
    )
