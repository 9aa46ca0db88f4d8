"""Claims checked against measurements (the book's name for :mod:`gilref.core.verdicts`).

The book never types a conclusion into its prose. A chapter states each
conclusion as a :class:`Claim`, decided by a topic module's verdict function
on this build's data (on intervals, with named thresholds), and glues
:meth:`Claim.markdown`: the sentence the data supports, or a visible warning
when the usual claim does not hold or the run cannot decide it. A claim shown
on another page is made fit for it by :func:`~gilref.core.quoting.quotable`.
"""

from __future__ import annotations

from ..core.quoting import invariant_caveat, is_page_local, quotable
from ..core.verdicts import CONTRADICTED_TITLE, UNDECIDED_TITLE, Claim, Interval, check

__all__ = ["CONTRADICTED_TITLE", "UNDECIDED_TITLE", "Claim", "Interval", "check", "invariant_caveat",
           "is_page_local", "quotable"]
