"""The domain: aggregates and their events, value objects, commands and the registry rules.

Pure: no I/O and no wall clock. Module paths and class names of the aggregates are part
of the stored events' topics (see :mod:`gridcase.domain.topics`).
"""
