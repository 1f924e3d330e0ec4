"""Mail written to var/mail on the embedded default: the folder 0700 and each message file 0600, since a message
holds sign-in links (password reset, address confirmation)."""

import os

from django.core.mail.backends import filebased

from reelhouse.core.private import create_private, private_dir


class PrivateFileEmailBackend(filebased.EmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        from django.conf import settings

        private_dir(os.path.abspath(file_path or settings.EMAIL_FILE_PATH))
        super().__init__(*args, file_path=file_path, **kwargs)

    def open(self):
        if self.stream is None:
            create_private(self._get_filename())  # Django then appends to the 0600 file
        return super().open()
