"""API keys: owners' keys and door keys, the authentication middleware, and
`python -m secretary_gateway.keys`."""
