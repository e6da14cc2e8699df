"""``ConfigError``: a configuration file or value is invalid (its own module so that every
section's checks raise it without importing ``settings.py``, which imports the sections)."""


class ConfigError(ValueError):
    """A configuration file or value is invalid; the message names the key."""
