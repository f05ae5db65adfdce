"""Putting the built files in place: the atomic writer of the output folder, and the local server
that serves it with the production headers."""
