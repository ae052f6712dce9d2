"""Plumbing every secretary worker shares: settings, logs, broker life, jobs, object streaming."""
