"""The provisioning layer: getting CPython builds onto a host that lacks them.

:mod:`~gilref.provision.cpython` finds, installs (uv) or builds (Debian's source
package, :mod:`~gilref.provision.debian`) CPython's default and free-threaded
builds and NumPy into them. Imports :mod:`gilref.interp` and :mod:`gilref.core`.
"""
