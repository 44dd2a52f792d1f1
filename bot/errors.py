"""The one error type whose message is meant for the user."""


class QuotebotError(Exception):
    """A problem the user can fix (bad folder, bad setting); its message is shown as is."""

    exit_code = 2
