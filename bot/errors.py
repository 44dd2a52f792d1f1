"""The one error type whose message is meant for the user."""


class QuotebotError(Exception):
    """A problem the user can fix (bad folder, bad setting); its message is shown as is (and the
    command line exits with status 2)."""
