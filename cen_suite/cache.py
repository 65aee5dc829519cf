"""What the cache raises when its Redis is down or unreachable.

Django's RedisCache does not wrap the client's errors: a call to ``cache`` with
Redis down raises redis-py's ConnectionError or TimeoutError (or an OSError
from the socket). Code that must not fail a page with the cache catches these,
logs a warning and decides deliberately whether to fail open or closed.
"""

import redis.exceptions

CACHE_ERRORS = (redis.exceptions.RedisError, OSError)
