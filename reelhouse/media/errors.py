"""The media errors every media module raises; messages are meant for the operator."""


class MediaError(Exception):
    """A media file or a media job failed; the message is meant for the operator."""


class ProbeError(MediaError):
    """The file is not usable media; the message names the file and what is wrong with it."""
