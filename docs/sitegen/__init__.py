"""Pages of the documentation site generated from the code at build time.

``docs/hooks.py`` (the MkDocs hook) calls :func:`sitegen.pages.generate`; each
module here produces one kind of page from one source of truth: the theorem
registry, ``__all__``, the argument parser, the notebooks, real CLI runs.
Nothing here is imported by ``bounds`` or ``empirical``.
"""
