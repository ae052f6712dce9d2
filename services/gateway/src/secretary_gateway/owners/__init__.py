"""An owner's defaults for new recordings (`/v1/settings`), shared with Telegram's /lang."""
