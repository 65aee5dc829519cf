"""Logging helpers named in settings.LOGGING."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """A 403 is a normal answer to a user without the right, and a 400 for a
    request naming a host this site does not serve (scanners send thousands) a
    normal answer to a client: one line each, no traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in (400, 403):
            record.exc_info = None
            record.exc_text = None
        return True
