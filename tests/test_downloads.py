"""Downloads stream block by block under ASGI, as the ASGI handler consumes them
(`aiter(response)`), instead of Django's reading of the whole file first."""

import asyncio
import warnings
from concurrent.futures import ThreadPoolExecutor

from django.http import FileResponse

from cen_suite.downloads import FileDownload


class CountingFile:
    """A file that records how far it has been read."""

    def __init__(self, size: int):
        self.data = bytes(range(256)) * (size // 256)
        self.position = 0
        self.name = "export.xlsx"

    def read(self, size=-1):
        end = len(self.data) if size < 0 else self.position + size
        block, self.position = self.data[self.position : end], min(end, len(self.data))
        return block

    def close(self):
        pass


def _consume(response) -> tuple[bytes, int]:
    async def run():
        parts = []
        async for part in aiter(response):
            if not parts:
                first = response.file_to_stream.position
            parts.append(part)
        return b"".join(parts), first

    # In a thread of its own: the browser tests leave an event loop in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, run()).result()


def test_an_asgi_download_reads_one_block_at_a_time_and_sends_the_whole_file():
    source = CountingFile(4 * 1024 * 1024)
    response = FileDownload(source, as_attachment=True, filename="export.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Django warns when it reads a file whole
        content, read_before_first_block = _consume(response)
    assert content == source.data
    assert read_before_first_block == FileDownload.block_size
    assert response["Content-Disposition"] == 'attachment; filename="export.xlsx"'


def test_djangos_own_file_response_would_read_the_whole_file_first():
    """Why FileDownload exists: if Django streams lazily one day, it can go."""
    source = CountingFile(1024 * 1024)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        content, read_before_first_block = _consume(FileResponse(source))
    assert content == source.data
    assert read_before_first_block == len(source.data)


def test_a_wsgi_download_is_djangos_file_response():
    source = CountingFile(512 * 1024)
    assert b"".join(FileDownload(source)) == source.data
