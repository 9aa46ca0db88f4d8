# gilref-example: args =
# gilref-example: pythons = cpython>=3.9, pypy>=3.9
# gilref-example: chapter = what-is-the-gil
# SPDX-License-Identifier: MIT
# Copyright (c) 2026 the gilref authors. Free to copy, change and share under
# the MIT licence (the LICENSE file of gilref); keep this notice in copies.
"""Why ``sys.getrefcount`` reports one more reference than you can see (up to CPython 3.13).

Run:  python refcount.py

Binds a fresh list to one name, then to a second name, and prints what
``sys.getrefcount`` reports each time, next to the references you can see in
the code. Up to CPython 3.13 the count includes getrefcount's own argument; from
3.14 the interpreter often passes it a borrowed reference, and the +1 may be
gone. Standard library only.
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
    extra = sys.getrefcount(a) - 1
    print()
    if extra == 1:
        print("The extra reference is getrefcount's own argument: passing `a` to the")
        print("function binds it to the parameter for the duration of the call (CPython up")
        print("to 3.13; from 3.14 the interpreter often lends a borrowed reference instead).")
    elif extra == 0:
        print("No extra reference: this interpreter passed `a` to getrefcount as a borrowed")
        print("reference, as CPython 3.14 and later often do, so the count is the visible one.")
    else:
        print(f"getrefcount reports {extra} more references than the code holds.")
    print(f"getrefcount(None) = {sys.getrefcount(None)}  (with {len(sys.modules)} modules loaded)")
    print("Before CPython 3.12 that is every reference to None in this process, so it grows")
    print("with the code loaded and differs a little from run to run; from 3.12 on None is")
    print("immortal and reports a fixed, huge count.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
