"""The public showcase on the platform: the read-only JSON API (with its OpenAPI description) and the site."""
