"""Personal data sealed per enterprise, so that one enterprise's can be erased and the log kept.

PIPL arts. 47 and 51 give people the right to have their personal data deleted, and the
log is append-only and hash-chained: an event cannot be rewritten without breaking the
chain. So personal data (a liaison's name, an enterprise contact's name, phone and
e-mail) enters the log only sealed, with a key of its enterprise's own (crypto-shredding):
destroying that key erases the data everywhere it was ever recorded, while every stored
byte, and so the chain, stays as it was.

A sealed value is ``gcs1:<algorithm>:<nonce>:<ciphertext>`` (base64url), encrypted with
AES-256-GCM (SM4-GCM where national algorithms are required, GB/T 32907-2016), both from
the ``cryptography`` library. The record's identity (enterprise, field and the record it
belongs to, such as the liaison id) is bound as associated data, so a ciphertext copied
into another row does not decrypt there.

Keys come from a :class:`KeyProvider`: :class:`StoreKeyProvider` keeps them in the
store's ``gridcase_keys`` table (wrapped with a master key from ``GRIDCASE_MASTER_KEY``
when one is set; set one in production, so a copy of the database alone reveals
nothing); :class:`FileKeyProvider` keeps one file per enterprise (for development);
anything with the same three methods can stand for a key service.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gridcase.kernel.errors import InvalidInput

__all__ = [
    "ERASED",
    "MASTER_KEY_ENV",
    "Algorithm",
    "FileKeyProvider",
    "KeyProvider",
    "Sealer",
    "StoreKeyProvider",
    "Unreadable",
    "is_sealed",
    "master_key_from_env",
]

Algorithm = Literal["aes-256-gcm", "sm4-gcm"]
"""The ciphers a sealed value may use."""
MASTER_KEY_ENV = "GRIDCASE_MASTER_KEY"
ERASED = "[erased]"
"""What a sealed value reads as once its enterprise's key was destroyed."""
_PREFIX = "gcs1"


class Unreadable(Exception):
    """A sealed value that does not open with its enterprise's key: moved, or tampered with."""


class KeyProvider(Protocol):
    """Where the per-enterprise keys live: a table, a file per enterprise, a key service."""

    def key(self, owner: str, *, create: bool) -> bytes | None:
        """The owner's key; a new one when ``create`` and none exists; None if destroyed or never made."""
        ...

    def destroy(self, owner: str) -> bool:
        """Destroy the owner's key for good; True if there was one."""
        ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _wrap(master: bytes, owner: str, key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, key, owner.encode("utf-8"))


def _unwrap(master: bytes, owner: str, blob: bytes) -> bytes:
    return AESGCM(master).decrypt(blob[:12], blob[12:], owner.encode("utf-8"))


def master_key_from_env() -> bytes | None:
    """The master key in ``GRIDCASE_MASTER_KEY`` (base64 of 32 bytes), or None."""
    raw = os.environ.get(MASTER_KEY_ENV, "").strip()
    if not raw:
        return None
    try:
        key = _unb64(raw)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InvalidInput(f"{MASTER_KEY_ENV} must be 32 bytes in base64", field=MASTER_KEY_ENV)
    return key


class StoreKeyProvider:
    """Keys in the store's own ``gridcase_keys`` table, wrapped with a master key if one is set."""

    def __init__(
        self,
        load: Callable[[str], bytes | None],
        save: Callable[[str, bytes], bytes],
        delete: Callable[[str], bool],
        master: bytes | None = None,
    ) -> None:
        self._load, self._save, self._delete = load, save, delete
        self._master = master

    def key(self, owner: str, *, create: bool) -> bytes | None:
        blob = self._load(owner)
        if blob is None:
            if not create:
                return None
            fresh = os.urandom(32)
            blob = self._save(owner, _wrap(self._master, owner, fresh) if self._master else fresh)
        return _unwrap(self._master, owner, blob) if self._master else blob

    def destroy(self, owner: str) -> bool:
        return self._delete(owner)


class FileKeyProvider:
    """One key file per enterprise in a folder (for development; a key service in production)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def _path(self, owner: str) -> Path:
        return self.folder / f"{hashlib.sha256(owner.encode('utf-8')).hexdigest()}.key"

    def key(self, owner: str, *, create: bool) -> bytes | None:
        path = self._path(owner)
        if path.exists():
            return path.read_bytes()
        if not create:
            return None
        self.folder.mkdir(parents=True, exist_ok=True)
        key = os.urandom(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
        return key

    def destroy(self, owner: str) -> bool:
        path = self._path(owner)
        if not path.exists():
            return False
        path.write_bytes(os.urandom(32))  # overwrite before unlinking, for what it is worth
        path.unlink()
        return True


@dataclass(frozen=True)
class Sealer:
    """Seals and opens personal data with its enterprise's key."""

    keys: KeyProvider
    algorithm: Algorithm = "aes-256-gcm"

    @staticmethod
    def owner(jurisdiction: str, credit_code: str) -> str:
        return f"{jurisdiction}/{credit_code}"

    @staticmethod
    def _aad(owner: str, field: str, record: str) -> bytes:
        return f"gridcase-seal/1|{owner}|{record}|{field}".encode()

    def seal(self, owner: str, field: str, record: str, plaintext: str) -> str:
        """``plaintext`` sealed for ``owner``, bound to this ``field`` of this ``record``."""
        key = self.keys.key(owner, create=True)
        if key is None:
            raise InvalidInput(
                f"the personal data of {owner} was erased: its key is gone, so nothing more "
                "can be recorded for it",
                field=field,
            )
        nonce = os.urandom(12)
        data = plaintext.encode("utf-8")
        aad = self._aad(owner, field, record)
        if self.algorithm == "sm4-gcm":
            encryptor = Cipher(algorithms.SM4(key[:16]), modes.GCM(nonce)).encryptor()
            encryptor.authenticate_additional_data(aad)
            sealed = encryptor.update(data) + encryptor.finalize() + encryptor.tag
        else:
            sealed = AESGCM(key).encrypt(nonce, data, aad)
        return f"{_PREFIX}:{self.algorithm}:{_b64(nonce)}:{_b64(sealed)}"

    def open(self, owner: str, field: str, record: str, token: str) -> str:
        """The plaintext, :data:`ERASED` once the owner's key is destroyed; raises :class:`Unreadable`."""
        if not is_sealed(token):
            return token  # recorded before sealing existed (release 0.1)
        _, algorithm, nonce_text, body = token.split(":", 3)
        key = self.keys.key(owner, create=False)
        if key is None:
            return ERASED
        nonce, sealed = _unb64(nonce_text), _unb64(body)
        aad = self._aad(owner, field, record)
        try:
            if algorithm == "sm4-gcm":
                decryptor = Cipher(
                    algorithms.SM4(key[:16]), modes.GCM(nonce, sealed[-16:])
                ).decryptor()
                decryptor.authenticate_additional_data(aad)
                data = decryptor.update(sealed[:-16]) + decryptor.finalize()
            else:
                data = AESGCM(key).decrypt(nonce, sealed, aad)
        except (InvalidTag, ValueError) as exc:
            raise Unreadable(
                f"a sealed {field} of {owner} ({record}) does not open: it was moved from "
                "another record or altered"
            ) from exc
        return data.decode("utf-8")


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(f"{_PREFIX}:")
