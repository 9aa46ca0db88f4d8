"""The book layer: what a chapter hands its page (the chapter record and glue, claims,
tables, charts, the edition, the strategy guide). It presents the topics; nothing
below imports it. Needs myst-nb and matplotlib (the ``docs`` dependency group).
"""
