"""The topics layer: one module (or small package) per chapter family, holding its
measurements and its verdicts. Imports the layers below (core, interp, provision),
never the book or the commands.
"""
