"""Questions about a recording and the answers the llm service writes."""
