"""Reading YAML as plain data, with the line of every value.

Rule files, calendar files and scenarios are written by officials, not programmers,
so the reader is strict where YAML 1.1 is surprising and precise where it fails:

* only the safe constructors run (no object tags, no code);
* dates stay text until a model reads them, so a bad date is a finding with its line;
* ``10:00`` stays the text ``"10:00"`` instead of becoming 600 (sexagesimal), and
  ``yes``/``no``/``on``/``off`` stay text; only ``true`` and ``false`` are booleans;
* a key given twice in one mapping is an error, not a silent overwrite;
* every problem names the file and line, and :func:`line_of` finds the line of any
  path in the document, so validation errors found later can point there too;
* hostile input fails fast, with the file and line: a file over
  :data:`MAX_YAML_BYTES` is refused before it is read, aliases (``*name``, the
  "billion laughs" bomb) are refused where they appear, and nesting deeper than
  :data:`MAX_YAML_DEPTH` or more than :data:`MAX_YAML_NODES` values are refused while
  the file is composed, before any of it is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import yaml

from gridcase.kernel.errors import Problem, RuleFileError

__all__ = [
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "Loc",
    "YamlDocument",
    "location_of",
    "problems_from_pydantic",
    "read_yaml",
    "read_yaml_file",
]

Loc = tuple[str | int, ...]

MAX_YAML_BYTES = 2 * 1024 * 1024
"""The largest rule, calendar or scenario file read (the largest bundled one is 22 kB)."""
MAX_YAML_DEPTH = 64
"""The deepest nesting of mappings and lists (the bundled files nest 7 deep)."""
MAX_YAML_NODES = 200_000
"""The most values (scalars, mappings, lists) in one document."""


class _Refused(yaml.MarkedYAMLError):
    """The document exceeds a limit; raised while composing, with the place."""


class _DataLoader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's sexagesimal numbers and yes/no booleans, and with limits."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def _mark(self) -> yaml.Mark:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call, no-any-return]

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise _Refused(
                None, None, "aliases (*name) are not allowed in gridcase files", self._mark()
            )
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(
                None, None, f"more than {MAX_YAML_NODES} values in one file", self._mark()
            )
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise _Refused(
                    None, None, f"nested more than {MAX_YAML_DEPTH} levels deep", self._mark()
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _flow_depth_problem(text: str, name: str) -> Problem | None:
    """Brackets nested deeper than the limit, found in one pass before YAML's scanner runs
    (PyYAML scans nested flow collections in quadratic time). Brackets inside quotes and
    comments count too: the count can only be too high, for a file no official writes."""
    depth = 0
    line = 1
    for ch in text:
        if ch in "[{":
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return Problem(name, line, "", f"nested more than {MAX_YAML_DEPTH} levels deep")
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "\n":
            line += 1
    return None


_DataLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _timestamp_as_text(loader: _DataLoader, node: yaml.Node) -> object:
    """Dates stay text, so an impossible one (2024-02-30) is a located finding of the
    models that read it, not a crash inside the YAML library."""
    return loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None


_DataLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)
_DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789"),
)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML document and where each of its values was written."""

    name: str
    data: Any
    lines: Mapping[Loc, int]

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest part of ``path`` that exists in the document."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        return Problem(self.name, self.line_of(path), location_of(path), message)


def location_of(path: Sequence[str | int]) -> str:
    """``("clocks", "handling", "duration")`` → ``clocks.handling.duration``; indices as ``[n]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _index(
    node: yaml.Node, path: Loc, lines: dict[Loc, int], problems: list[Problem], name: str
) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        name,
                        line,
                        location_of((*path, key)),
                        f"key {key!r} given twice (first on line {seen[key]})",
                    )
                )
                continue
            seen[key] = line
            lines[(*path, key)] = line
            _index(value_node, (*path, key), lines, problems, name)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            _index(item, (*path, i), lines, problems, name)


def read_yaml(text: str, *, name: str) -> YamlDocument:
    """Parse one YAML document as plain data, or raise :class:`RuleFileError` naming the line."""
    if len(text) > MAX_YAML_BYTES:
        raise RuleFileError(
            [Problem(name, None, "", f"the file is larger than {MAX_YAML_BYTES} bytes")]
        )
    deep = _flow_depth_problem(text, name)
    if deep is not None:
        raise RuleFileError([deep])
    try:
        node = yaml.compose(text, Loader=_DataLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleFileError(
            [Problem(name, line, "", f"not valid YAML: {exc.problem or exc}")]
        ) from None
    except yaml.YAMLError as exc:
        raise RuleFileError([Problem(name, None, "", f"not valid YAML: {exc}")]) from None
    if node is None:
        raise RuleFileError([Problem(name, 1, "", "the file is empty")])
    lines: dict[Loc, int] = {}
    problems: list[Problem] = []
    _index(node, (), lines, problems, name)
    if problems:
        raise RuleFileError(problems)
    try:
        data = _DataLoader(text).get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise RuleFileError(
            [
                Problem(
                    name,
                    line,
                    "",
                    f"not plain data: {exc.problem or exc} (tags and objects are not allowed)",
                )
            ]
        ) from None
    return YamlDocument(name=name, data=data, lines=lines)


def read_yaml_file(path: str | PathLike[str]) -> YamlDocument:
    """Read and parse a UTF-8 YAML file; an unreadable file is a located problem too."""
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_YAML_BYTES:
            raise RuleFileError(
                [Problem(name, None, "", f"the file is {size} bytes, over {MAX_YAML_BYTES}")]
            )
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(
            [Problem(name, None, "", f"cannot read the file: {exc.strerror or exc}")]
        ) from None
    except UnicodeDecodeError:
        raise RuleFileError([Problem(name, None, "", "the file is not UTF-8 text")]) from None
    return read_yaml(text, name=name)


def problems_from_pydantic(doc: YamlDocument, errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """Turn pydantic's validation errors into located problems."""
    out: list[Problem] = []
    for err in errors:
        loc = tuple(p for p in err.get("loc", ()) if isinstance(p, (str, int)))
        # Drop union-member and discriminator tags pydantic inserts into the location.
        data_path: list[str | int] = []
        node: Any = doc.data
        for part in loc:
            present = (isinstance(node, Mapping) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            )
            if present:
                data_path.append(part)
                node = node[part]
            elif (
                isinstance(node, Mapping) and isinstance(part, str) and err.get("type") == "missing"
            ):
                data_path.append(part)
                break
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "unknown field (not part of the rule-file schema)"
        elif err.get("type") == "missing":
            message = "required field is missing"
        out.append(doc.problem(data_path, message))
    return out
