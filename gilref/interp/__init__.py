"""The interpreter layer: which Pythons a host has and which of them the book compares.

:mod:`~gilref.interp.discover` finds and describes interpreters,
:mod:`~gilref.interp.select` is the one policy that chooses the builds a chapter
compares, :mod:`~gilref.interp.child` runs a gilref function inside another
interpreter, :mod:`~gilref.interp.store` reads the builds gilref provisioned.
Imports only :mod:`gilref.core`.
"""
