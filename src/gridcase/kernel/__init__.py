"""The kernel: what every layer may use and nothing in it depends on the rest.

Errors (one typed hierarchy), clocks (time is an argument), the bounded YAML reader
and where the bundled data files are. Nothing here knows about cases or stores.
"""
