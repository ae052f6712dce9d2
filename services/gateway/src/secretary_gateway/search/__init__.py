"""Full-text search over an owner's transcripts."""
