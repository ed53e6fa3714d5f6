"""The keyring that encrypts PHI at rest and computes blind indexes for look-ups.

Ciphertext is a Fernet token (AES-128-CBC + HMAC-SHA256, from `cryptography`)
behind the id of the key that made it: ``enc1:<key id>:<token>``. The key id lets
decryption pick the right key at once, and lets `keys rotate` find, with a plain
``NOT LIKE``, the rows still written under an old key; it is a hash of the key and
reveals nothing of it.

Encrypted values cannot be compared in SQL, so a column we search on has a blind
index beside it: HMAC-SHA256 of the normalized value, under a key derived with
HKDF from each encryption key. Choice: the index key follows the encryption key
rather than being its own setting, so there is one secret to keep and rotating it
rotates everything. Look-ups stay correct during a rotation because a query asks
for the value's index under every key on the ring (`blind_indexes`, primary first),
and `keys rotate` rewrites each row's indexes under the primary key as it
re-encrypts the row. Once rotation has finished the old keys can be dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from base64 import urlsafe_b64decode
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from referraldesk.logging import get_logger
from referraldesk.settings import get_settings

log = get_logger(__name__)

PREFIX = "enc1"
# 128 bits of HMAC: collisions are out of reach, and the columns stay short.
INDEX_HEX_CHARS = 32
_INDEX_INFO = b"referraldesk blind index v1"
_KEY_HELP = "make one with `referraldesk keys generate`"


class KeyringError(RuntimeError):
    """The configured keys are unusable, or a stored value needs a key we do not have."""


@dataclass(frozen=True)
class _Key:
    id: str
    fernet: Fernet
    index_key: bytes


class Keyring:
    """A primary key that writes, and old keys that only read (during a rotation)."""

    def __init__(self, primary: str, old: Sequence[str] = ()):
        self._primary = _load_key(primary, "REFERRALDESK_ENCRYPTION_KEY")
        self._keys = [self._primary]
        for text in old:
            key = _load_key(text, "REFERRALDESK_ENCRYPTION_OLD_KEYS")
            if all(key.id != known.id for known in self._keys):
                self._keys.append(key)
        self._by_id = {key.id: key for key in self._keys}

    @property
    def primary_id(self) -> str:
        return self._primary.id

    @property
    def primary_prefix(self) -> str:
        """How every value written with the primary key starts."""
        return f"{PREFIX}:{self._primary.id}:"

    def encrypt(self, plaintext: str) -> str:
        token = self._primary.fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")
        return self.primary_prefix + token

    def decrypt(self, stored: str) -> str:
        key, token = self._split(stored)
        try:
            return key.fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise KeyringError(
                f"a value under key id {key.id} failed its integrity check: "
                "it was altered, or that key id collides with another key"
            ) from exc

    def blind_index(self, purpose: str, value: str) -> str:
        """The index of `value` under the primary key, to store beside the ciphertext."""
        return _digest(self._primary.index_key, purpose, value)

    def blind_indexes(self, purpose: str, value: str) -> list[str]:
        """The index of `value` under every key on the ring, primary first, to query with."""
        return [_digest(key.index_key, purpose, value) for key in self._keys]

    def _split(self, stored: str) -> tuple[_Key, str]:
        prefix, _, rest = stored.partition(":")
        key_id, _, token = rest.partition(":")
        if prefix != PREFIX or not token:
            raise KeyringError(
                "a value in an encrypted column is not ciphertext; it was written "
                "outside the application"
            )
        key = self._by_id.get(key_id)
        if key is None:
            raise KeyringError(
                f"a value was encrypted with key id {key_id}, which is neither "
                "REFERRALDESK_ENCRYPTION_KEY nor in REFERRALDESK_ENCRYPTION_OLD_KEYS; "
                "put that key back in the old keys and run `referraldesk keys rotate`"
            )
        return key, token


def generate_key() -> str:
    """A new random Fernet key, url-safe base64."""
    return Fernet.generate_key().decode("ascii")


def get_keyring() -> Keyring:
    """The keyring the settings describe (cached for as long as the settings are)."""
    settings = get_settings()
    old = settings.encryption_old_keys.get_secret_value() if settings.encryption_old_keys else ""
    if settings.encryption_key is not None:
        primary = settings.encryption_key.get_secret_value()
    else:
        primary = _development_key(settings.encryption_key_file)
    return _keyring_for(primary, old)


@lru_cache(maxsize=4)
def _keyring_for(primary: str, old: str) -> Keyring:
    return Keyring(primary, [part.strip() for part in old.split(",") if part.strip()])


def _development_key(path: Path) -> str:
    # Lets `make run` start on a fresh machine; production sets the key, and backs
    # it up apart from the database, since neither is any use without the other.
    path = Path(path)
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    try:
        # O_EXCL: two processes starting together must not each write their own key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    log.warning("encryption_key_generated", path=str(path),
                fix="set REFERRALDESK_ENCRYPTION_KEY in production")
    return key


def _load_key(text: str, setting: str) -> _Key:
    text = text.strip()
    try:
        raw = urlsafe_b64decode(text.encode("ascii"))
        fernet = Fernet(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as exc:
        raise KeyringError(
            f"{setting} is not a Fernet key (32 bytes in url-safe base64, 44 characters); "
            + _KEY_HELP
        ) from exc
    key_id = hashlib.sha256(b"referraldesk key id\x00" + raw).hexdigest()[:8]
    index_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INDEX_INFO).derive(raw)
    return _Key(key_id, fernet, index_key)


def _digest(index_key: bytes, purpose: str, value: str) -> str:
    # The purpose keeps equal values of different kinds (a DOB, a phone) apart.
    message = purpose.encode("utf-8") + b"\x00" + value.encode("utf-8")
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()[:INDEX_HEX_CHARS]
