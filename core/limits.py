"""Rate limits (Flask-Limiter): in memory by default, in Redis when configured."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=False)


def init_app(app) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # If Redis is down a story must still be accepted: fall back to counting in memory.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
