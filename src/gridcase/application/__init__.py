"""The application layer: one unit of work that every command passes through.

The engine an embedder opens, the command handlers (small functions over loaded
aggregates), the roster facade and the importer. The decisions themselves are pure and
live below (:mod:`gridcase.workflow` for cases, :mod:`gridcase.domain.registry` for the
registry); this layer loads, decides, saves, and turns a lost race into a duplicate.
"""
