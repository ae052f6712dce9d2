"""Signing in to the review page with a one-time link (Telegram's `/web`), and the web
sessions it starts."""
