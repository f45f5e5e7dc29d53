"""Static files with content-hashed names and compressed copies once collected (``frenchtech serve``
runs ``collectstatic``); WhiteNoise then serves the hashed files with far-future cache headers."""
from __future__ import annotations

import os

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Before any collection (development, tests) there is no manifest: pages name the plain files,
    which WhiteNoise finds in the apps' static folders. Once collected, a file missing from the
    manifest is an error, as in Django's own manifest storage."""

    def stored_name(self, name):
        if not self.hashed_files and not self.manifest_hash:
            return name
        return super().stored_name(name)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, without its warning when nothing is collected yet: the apps' folders serve then."""

    def add_files(self, root, prefix=None):
        if self.autorefresh or os.path.isdir(root):
            super().add_files(root, prefix)
