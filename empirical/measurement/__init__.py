"""Floor 4, measurement: estimates with intervals, verdicts, and what the records show.

``_measure`` (stability and gap estimates, slopes), ``_verdict`` (each bound
against the quantity it bounds, pathwise checks), ``_worst_case`` (the
worst-case search), ``_paired`` (paired comparisons and slopes of records that
share their random numbers), ``_table`` (the verdict table), ``_tightness`` and
``_findings`` (the findings of a verification run).
"""
