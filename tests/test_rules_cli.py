"""``gridcase rules``: checking, drawing and describing rule files from the command line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.support import REPO, RULES

from gridcase.cli import main


class TestCheck:
    def test_every_bundled_file_is_ok(self) -> None:
        """Each bundled rule file is reported ok with its jurisdiction and version."""
        files = sorted(str(p) for p in RULES.glob("*.yaml"))
        result = CliRunner().invoke(main, ["rules", "check", *files])
        assert result.exit_code == 0, result.output
        assert result.output.count("ok ") == len(files)

    def test_a_broken_file_names_file_and_line_and_exits_1(self, tmp_path: Path) -> None:
        """An unknown state is reported as file:line with the element's path."""
        broken = tmp_path / "malu.yaml"
        broken.write_text(
            (RULES / "malu.yaml")
            .read_text(encoding="utf-8")
            .replace("    to: handling\n", "    to: handlng\n", 1),
            encoding="utf-8",
        )
        result = CliRunner().invoke(main, ["rules", "check", str(broken)])
        assert result.exit_code == 1
        assert f"{broken}:" in result.output
        assert "unknown state 'handlng'" in result.output


class TestDiagram:
    def test_mermaid_by_default(self) -> None:
        """The default is Mermaid text with every transition of the file."""
        result = CliRunner().invoke(main, ["rules", "diagram", str(RULES / "malu.yaml")])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("stateDiagram-v2")
        assert "return_requested --> dispatched: redispatch" in result.output
        assert "signed_off --> [*]" in result.output

    def test_dot(self) -> None:
        """DOT for Graphviz, final states drawn double."""
        result = CliRunner().invoke(
            main, ["rules", "diagram", str(RULES / "weifang.yaml"), "--format", "dot"]
        )
        assert result.exit_code == 0, result.output
        assert result.output.startswith('digraph "weifang"')
        assert "peripheries=2" in result.output

    def test_svg_with_graphviz(self, tmp_path: Path) -> None:
        """With Graphviz's dot on the PATH, an SVG file is written."""
        if shutil.which("dot") is None:
            pytest.skip("Graphviz is not installed (apt install graphviz) so SVG cannot be drawn")
        out = tmp_path / "malu.svg"
        result = CliRunner().invoke(
            main, ["rules", "diagram", str(RULES / "malu.yaml"), "--format", "svg", "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        assert "<svg" in out.read_text(encoding="utf-8")


class TestSchemaAndList:
    def test_schema_is_the_published_one(self) -> None:
        """``rules schema`` prints what docs/rule-file.schema.json holds."""
        result = CliRunner().invoke(main, ["rules", "schema"])
        assert result.exit_code == 0
        published = json.loads(
            (REPO / "docs" / "rule-file.schema.json").read_text(encoding="utf-8")
        )
        assert json.loads(result.output) == published

    def test_list_names_the_five_jurisdictions(self) -> None:
        """``rules list`` shows every jurisdiction with its version and effective date."""
        result = CliRunner().invoke(main, ["rules", "list", "--rules", str(RULES)])
        assert result.exit_code == 0, result.output
        for jurisdiction in ("bijie", "malu", "qingdao", "weifang", "yingkou"):
            assert jurisdiction in result.output
