"""Child side of :func:`gilref.interp.child.call`: ``python -m gilref.interp._child module:function``.

Reads keyword arguments as JSON from stdin, calls the gilref function, and
prints a marker line followed by the JSON result on stdout (anything the
function itself prints comes before the marker). Objects with a ``to_dict``
method (suites, claims) are sent as that dict.
"""

import importlib
import json
import sys

RESULT_MARK = "\n@@gilref-result@@\n"


def main() -> int:
    if len(sys.argv) != 2 or ":" not in sys.argv[1]:
        sys.stderr.write("usage: python -m gilref.interp._child gilref.module:function < kwargs.json\n")
        return 2
    module_name, func_name = sys.argv[1].split(":", 1)
    if module_name != "gilref" and not module_name.startswith("gilref."):
        sys.stderr.write(f"refusing to call {sys.argv[1]!r}: only gilref functions\n")
        return 2
    kwargs = json.loads(sys.stdin.read() or "{}")
    func = getattr(importlib.import_module(module_name), func_name)
    result = func(**kwargs)
    if hasattr(result, "to_dict"):
        result = result.to_dict()
    sys.stdout.write(RESULT_MARK + json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
