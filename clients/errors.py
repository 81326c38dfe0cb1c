"""Errors of the remote clients, named by what the caller should do about them.

Every failure of a remote call ends in one of two families:

* :class:`RetryLaterError`: the request was fine but the remote system could
  not take it now (timeout, connection refused, HTTP 429, HTTP 5xx). Send the
  same request again later; ``retry_after`` says when, if the remote said so.
* :class:`FixRequestError`: the remote system rejected the request itself
  (HTTP 4xx). Sending it again changes nothing until the data or the
  configuration is fixed; ``remote_message`` and ``remote_code`` carry the
  remote system's own explanation for the user.

Messages never contain credentials or tokens. They are in English; an error
of the HTTP layer also carries ``kind`` and ``params`` (the values in its
message), so an application can show the same message in the user's language.
"""


class RemoteError(Exception):
    """Base of every error raised by the remote clients."""

    def __init__(
        self,
        message,
        *,
        status=None,
        remote_message=None,
        remote_code=None,
        kind=None,
        params=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.remote_message = remote_message
        self.remote_code = remote_code
        self.kind = kind
        self.params = params or {}

    def __str__(self):
        return self.message


class RetryLaterError(RemoteError):
    """The remote system is unavailable or overloaded; retry the same request later."""

    def __init__(self, message, *, retry_after=None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class FixRequestError(RemoteError):
    """The remote system rejected the request; fix the data or settings before retrying."""


class FixCredentialsError(FixRequestError):
    """The credentials or the connection were rejected; fix them or reconnect."""


class NotFoundError(FixRequestError):
    """The remote object does not exist."""
