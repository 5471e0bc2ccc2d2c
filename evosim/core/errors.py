"""The one exception type for user mistakes: the CLI prints it as one line and exits 2."""


class UserError(Exception):
    """A mistake in what the user handed us (a file, a key, a value), worded for them."""
