"""Adapters at the edge: the command line, rendering, exports, the demo and scenarios.

Everything here speaks to the engine through its public API, converting primitive
input (text, files, command-line options) into commands and results into text.
"""
