"""Published decisions and labels: the programme's record of every campaign's outcome.

Rows are immutable once published; a correction is a new decision that supersedes the old one.
Use :mod:`frenchtech.programme.labels.services` (plain arguments) from the CLI, the web and tests."""
