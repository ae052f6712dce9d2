"""Webhooks: what owners register, and the signed deliveries of their recordings' events."""
