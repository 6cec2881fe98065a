"""The test suite, one package per folder: ``bounds/``, ``empirical/<floor>/`` (the
floors of ``empirical``) and ``docs/``, as the code is laid out.

Packages, so that test modules are imported by their dotted path
(``tests.empirical.runs.test_sweep``) and two modules of the same name may sit in
different folders; shared helpers import as ``tests._tolerances`` and
``tests.empirical._reference``.
"""
