"""Evidence readers, one per real format, and the seeded generator.

This package is the only code that knows file layouts. Every reader validates as it streams and
raises :class:`frenchtech.errors.InputError` naming the file, line, column and the expected form.
"""
