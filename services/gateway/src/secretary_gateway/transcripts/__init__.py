"""Transcripts as owners see them: exports in six formats, speakers' names and merges, and
the summary in the same names."""
