# gilref-example: args =
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = what-is-the-gil
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Why ``sys.getrefcount`` reports one more reference than you can see.

Run:  python refcount.py

Binds a fresh list to one name, then to a second name, and prints what
``sys.getrefcount`` reports each time, next to the references you can see in
the code. Standard library only.
"""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    if not hasattr(sys, "getrefcount"):
        print("This interpreter has no sys.getrefcount (no reference counting).")
        return 0

    a = []
    print(f"a = []        visible references: 1   getrefcount(a) = {sys.getrefcount(a)}")
    b = a
    print(f"b = a         visible references: 2   getrefcount(a) = {sys.getrefcount(a)}")
    del b
    print(f"del b         visible references: 1   getrefcount(a) = {sys.getrefcount(a)}")
    print()
    print("The extra reference is getrefcount's own argument: passing `a` to the")
    print("function binds it to the parameter for the duration of the call.")
    print(f"getrefcount(None) = {sys.getrefcount(None)}  (with {len(sys.modules)} modules loaded)")
    print("Before CPython 3.12 that is every reference to None in this process, so it grows")
    print("with the code loaded; from 3.12 on None is immortal and reports a fixed, huge count.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
