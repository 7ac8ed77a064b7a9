"""The key ring: ES256 signing keys kept as PEM files in one folder.

Each `<kid>.pem` is a P-256 private key (or a public key, kept only to verify older tokens).
The signing key is SHELF_AUTH_SIGNING_KEY_ID, or else the newest private key by file name
(`shelf-auth keys generate` names files by UTC time) once it has been in the folder for the
reload interval (so every auth process publishes it before any signs with it). Every key in the
folder is published in the JWKS. The folder is looked at again at most every few seconds, and
re-read when a file changed, so a key can be added, made current or removed while auth runs.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask, current_app

from shelf_kit import ConfigError

from . import extensions

log = logging.getLogger("shelf.auth.keys")


class NoSigningKey(ConfigError):
    """The folder holds no private key to sign with (or not the one configured)."""


@dataclass(frozen=True)
class Key:
    kid: str
    public: ec.EllipticCurvePublicKey
    private: ec.EllipticCurvePrivateKey | None = None
    added_at: float = 0.0  # the file's mtime


class KeyRing:
    def __init__(
        self, folder: str | Path, *, signing_kid: str = "", reload_seconds: float = 5.0
    ) -> None:
        self.folder = Path(folder)
        self.signing_kid = signing_kid
        self.reload_seconds = reload_seconds
        self._lock = threading.Lock()
        self._keys: dict[str, Key] = {}
        self._fingerprint: tuple | None = None
        self._checked_at = float("-inf")

    def keys(self) -> dict[str, Key]:
        """Every key in the folder, by kid (re-read when the folder changed)."""
        self.refresh()
        return self._keys

    def get(self, kid: str) -> Key | None:
        return self.keys().get(kid)

    def signing_key(self) -> Key:
        keys = self.keys()
        if self.signing_kid:
            key = keys.get(self.signing_kid)
            if key is None or key.private is None:
                raise NoSigningKey(
                    f"SHELF_AUTH_SIGNING_KEY_ID={self.signing_kid} names no private key in "
                    f"{self.folder} (looked for {self.signing_kid}.pem)"
                )
            return key
        private = [key for kid, key in sorted(keys.items()) if key.private is not None]
        if not private:
            raise NoSigningKey(
                f"{self.folder} (SHELF_AUTH_KEYS_DIR) holds no signing key: "
                "run `shelf-auth keys generate` to make one"
            )
        # A new key signs only once every process has had time to see it and publish it, so
        # no service meets a token whose key another auth worker does not list yet.
        published = [key for key in private if time.time() - key.added_at >= self.reload_seconds]
        return (published or private)[-1]

    def refresh(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._checked_at < self.reload_seconds:
            return
        with self._lock:
            self._checked_at = now
            fingerprint = self._folder_fingerprint()
            if fingerprint == self._fingerprint:
                return
            self._keys = self._read_keys()
            self._fingerprint = fingerprint
            log.info("key ring loaded", extra={"kids": sorted(self._keys)})

    def _key_files(self) -> list[Path]:
        if not self.folder.is_dir():
            return []
        return sorted(path for path in self.folder.glob("*.pem") if path.is_file())

    def _folder_fingerprint(self) -> tuple:
        stats = []
        for path in self._key_files():
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed while we looked
                continue
            stats.append((path.name, stat.st_mtime_ns, stat.st_size))
        return tuple(stats)

    def _read_keys(self) -> dict[str, Key]:
        keys = {}
        for path in self._key_files():
            try:
                keys[path.stem] = load_key(path)
            except (OSError, ValueError, TypeError) as error:
                log.error("key file %s is not usable: %s", path, error)
        return keys

    def init_app(self, app: Flask) -> None:
        app.extensions[extensions.KEYS] = self


def load_key(path: Path) -> Key:
    data = path.read_bytes()
    added_at = path.stat().st_mtime
    if b"PRIVATE KEY" in data:
        private = serialization.load_pem_private_key(data, password=None)
        if not isinstance(private, ec.EllipticCurvePrivateKey):
            raise ValueError("not an elliptic-curve key")
        _check_curve(private.curve)
        return Key(path.stem, private.public_key(), private, added_at)
    public = serialization.load_pem_public_key(data)
    if not isinstance(public, ec.EllipticCurvePublicKey):
        raise ValueError("not an elliptic-curve key")
    _check_curve(public.curve)
    return Key(path.stem, public, added_at=added_at)


def _check_curve(curve: ec.EllipticCurve) -> None:
    if not isinstance(curve, ec.SECP256R1):
        raise ValueError(f"ES256 needs a P-256 key, not {curve.name}")


def generate_key(folder: str | Path) -> Path:
    """Write a new P-256 private key named by the UTC time (so it sorts newest); its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    kid = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{kid}.pem"
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Written aside, then renamed: a running auth never reads half a key.
    partial = folder / f".{kid}.pem.partial"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)
    os.replace(partial, path)
    return path


def generate_key_if_missing(ring: KeyRing) -> Path | None:
    """Write a key unless the folder holds a signing key already; the new key's path, if any.

    A lock on the folder makes several processes starting at once (gunicorn's workers) agree
    on one key instead of each writing its own."""
    ring.folder.mkdir(parents=True, exist_ok=True)
    with open(ring.folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            ring.refresh(force=True)
            if any(key.private is not None for key in ring.keys().values()):
                return None
            path = generate_key(ring.folder)
            ring.refresh(force=True)
            return path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def get_key_ring() -> KeyRing:
    return extensions.key_ring(current_app)
