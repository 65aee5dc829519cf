"""File downloads that an ASGI server streams block by block.

Django's FileResponse reads its file through a synchronous iterator; under ASGI
(gunicorn with uvicorn workers, as deployed) Django then consumes that iterator
whole with `sync_to_async(list)` before sending a byte, so a 300 MB export or
database extract would sit in the worker's memory. `FileDownload` reads each
block in a thread instead. Under WSGI it is Django's FileResponse unchanged.
"""

from asgiref.sync import sync_to_async
from django.http import FileResponse


class FileDownload(FileResponse):
    block_size = 256 * 1024

    async def __aiter__(self):
        filelike = self.file_to_stream
        if filelike is None:  # a middleware replaced the content with its own iterator
            async for part in super().__aiter__():
                yield part
            return
        read = sync_to_async(filelike.read, thread_sensitive=False)
        while chunk := await read(self.block_size):
            yield chunk
