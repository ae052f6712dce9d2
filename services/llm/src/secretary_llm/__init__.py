"""Questions and summaries over transcripts: retrieval, prompts, citation checks."""
