"""Recordings: upload, list, status, progress, deletion; the read model that the pipeline's
events keep; the watchdog, retention and dead letters that end a recording's life."""
