"""Where the shared cache keeps its bytes: a plain folder, or any fsspec filesystem named by a URL.

The cache (cache.py) speaks to its store in slash-separated names relative to the cache's root
(``objects/ab/<sha>``, ``steps/ab/<key>.json``), so the same layout and the same checks serve a local
folder, a network mount and S3-compatible object storage (``s3://bucket/prefix``, through fsspec and
s3fs: ``pip install 'publish[s3]'``).

Atomicity: a folder writes to a temporary name and renames into place. On object storage a PUT of a
whole object is atomic already (a reader sees the old object or the new, never part of one), so the
bytes are written under their own name in one request; on any other fsspec filesystem (sftp, say) a
temporary name and a move, as for folders. Either way a reader never trusts what it reads: every object
is hashed on read (cache.py), so even a store that broke that promise could not serve wrong bytes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from .errors import PublishError
from .state import write_atomic

#: Protocols whose single PUT of a whole object is atomic (no temporary name is needed, and a rename there
#: would be a copy and a delete).
OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss"})

S3_INSTALL = "pip install 'publish[s3]' (s3fs, for s3:// caches)"


class Store(Protocol):
    """What the cache needs of the place that holds its bytes."""

    where: str  # how messages name it

    def read(self, name: str) -> bytes:
        """The bytes under ``name``; FileNotFoundError when there are none, another OSError if unreadable."""
        ...

    def write(self, name: str, data: bytes) -> None:
        """Put ``data`` under ``name`` whole, or leave what was there."""
        ...

    def size(self, name: str) -> int | None:
        ...

    def delete(self, name: str) -> None:
        ...

    def used(self, name: str, data: bytes) -> None:
        """Mark the entry ``name`` (whose bytes are ``data``) as just used, for least-recently-used pruning."""
        ...

    def listing(self, folder: str) -> Iterator[tuple[str, int, float]]:
        """(name, size, last modified) of every object under ``folder``."""
        ...

    def tidy(self) -> None:
        """Remove what a store of folders leaves empty after a prune."""
        ...


def is_url(text: str) -> bool:
    """A cache given as ``PROTOCOL://...`` other than ``file://`` goes through fsspec."""
    head, sep, _rest = text.partition("://")
    return bool(sep) and head.isidentifier() and head.lower() != "file"


class FolderStore:
    """A cache folder on this machine or a network mount."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.where = str(folder)

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()

    def write(self, name: str, data: bytes) -> None:
        write_atomic(self.folder / name, data)

    def size(self, name: str) -> int | None:
        try:
            return (self.folder / name).stat().st_size
        except OSError:
            return None

    def delete(self, name: str) -> None:
        with contextlib.suppress(OSError):
            (self.folder / name).unlink()

    def used(self, name: str, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.folder / name)

    def listing(self, folder: str) -> Iterator[tuple[str, int, float]]:
        for path in (self.folder / folder).glob("*/*"):
            try:
                st = path.stat()
            except OSError:
                continue
            yield path.relative_to(self.folder).as_posix(), st.st_size, st.st_mtime

    def tidy(self) -> None:
        for folder in (self.folder / "steps", self.folder / "objects"):
            for sub in folder.glob("*") if folder.is_dir() else []:
                with contextlib.suppress(OSError):
                    sub.rmdir()


class FsspecStore:
    """A cache on any fsspec filesystem (``s3://bucket/prefix``). Credentials and the endpoint come from the
    filesystem's own configuration: for S3, the usual AWS variables and files (``AWS_ENDPOINT_URL`` for
    S3-compatible storage such as MinIO), or fsspec's (``FSSPEC_S3_ENDPOINT_URL``)."""

    def __init__(self, url: str) -> None:
        import fsspec.core

        try:
            fs, root = fsspec.core.url_to_fs(url)
        except ImportError:
            raise PublishError(f"the cache {url} needs an fsspec filesystem that is not installed",
                               hint=S3_INSTALL if url.lower().startswith("s3") else
                               "install the fsspec filesystem for that protocol") from None
        except ValueError as exc:
            raise PublishError(f"the cache {url} is not a place fsspec knows ({exc})",
                               hint="give --cache a folder, or a URL such as s3://bucket/prefix") from None
        self.fs: Any = fs
        self.root = root.rstrip("/")
        self.where = url.rstrip("/")
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        self.atomic_put = protocol in OBJECT_STORES

    def _path(self, name: str) -> str:
        return f"{self.root}/{name}"

    def read(self, name: str) -> bytes:
        try:
            return self.fs.cat_file(self._path(name))
        except OSError:  # FileNotFoundError among them: absent
            raise
        except Exception as exc:  # a store's own errors (a refused request): unreadable, not absent
            raise OSError(str(exc)) from exc

    def write(self, name: str, data: bytes) -> None:
        path = self._path(name)
        try:
            if self.atomic_put:
                self.fs.pipe_file(path, data)
                return
            tmp = f"{path}.{os.getpid()}.{threading.get_native_id()}.tmp"
            self.fs.pipe_file(tmp, data)
            self.fs.mv(tmp, path)
        except Exception as exc:  # noqa: BLE001 (one line, not a traceback)
            raise PublishError(f"cannot write to the cache ({exc})", file=self.where,
                               hint="check the cache's URL and credentials, or build without --cache") from None

    def size(self, name: str) -> int | None:
        try:
            return int(self.fs.info(self._path(name))["size"])
        except Exception:  # noqa: BLE001 (absent or unreadable: written again)
            return None

    def delete(self, name: str) -> None:
        with contextlib.suppress(Exception):
            self.fs.rm_file(self._path(name))
        self.fs.invalidate_cache()

    def used(self, name: str, data: bytes) -> None:
        """Object storage cannot touch an object: the (small) record is put again, which dates it now."""
        with contextlib.suppress(PublishError):
            self.write(name, data)

    def listing(self, folder: str) -> Iterator[tuple[str, int, float]]:
        self.fs.invalidate_cache()
        try:
            found = self.fs.find(self._path(folder), detail=True)
        except FileNotFoundError:
            return
        for path, info in found.items():
            if info.get("type") == "directory":
                continue
            yield path[len(self.root) + 1:], int(info.get("size") or 0), _modified(info)

    def tidy(self) -> None:
        pass


def _modified(info: dict[str, Any]) -> float:
    """An object's last-modified time from whatever its filesystem calls it."""
    for field in ("LastModified", "mtime", "last_modified", "created"):
        value = info.get(field)
        if value is None:
            continue
        if hasattr(value, "timestamp"):
            return float(value.timestamp())
        with contextlib.suppress(TypeError, ValueError):
            return float(value)
    return time.time()
