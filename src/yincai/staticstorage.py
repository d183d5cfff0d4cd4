"""Hashed and compressed static files (WhiteNoise) for `yincai serve`; a missing entry falls back to the plain name."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class HashedCompressedStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
