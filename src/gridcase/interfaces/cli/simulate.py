"""``gridcase simulate``: a seeded synthetic jurisdiction-year on a store, with its costs."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import Any

import click

from gridcase.interfaces.cli.common import emit_json, json_option, library_errors

__all__ = ["simulate_command"]


@click.command("simulate")
@click.option(
    "--preset",
    type=click.Choice(["weifang", "yingkou", "qingdao", "malu", "bijie"]),
    default="weifang",
    show_default=True,
    help="Whose year: sizes from the jurisdiction's source document.",
)
@click.option("--scale", type=float, default=1.0, show_default=True, help="Multiply every size.")
@click.option("--seed", type=int, default=2025, show_default=True, help="Same seed, same year.")
@click.option(
    "--url",
    required=True,
    help="An empty store: sqlite:///year.db or postgresql://…?schema=… (the year is written there).",
)
@click.option("--no-verify", is_flag=True, help="Skip verifying the hash chain at the end.")
@click.option(
    "--batch",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Commit every N commands (Engine.batch); 0: every command in its own transaction, "
    "as a portal's desks would.",
)
@click.option(
    "--trace-memory",
    is_flag=True,
    help="Trace Python allocations (tracemalloc; about twice slower).",
)
@json_option
def simulate_command(
    preset: str,
    scale: float,
    seed: int,
    url: str,
    no_verify: bool,
    batch: int,
    trace_memory: bool,
    as_json: bool,
) -> None:
    """Simulate a jurisdiction-year (roster, visits, demands, clocks) and print what it cost."""
    from gridcase.interfaces.simulate import simulate

    bars: dict[str, Any] = {}

    def progress(phase: str, done: int, total: int) -> None:
        if as_json:
            return
        bar = bars.get(phase)
        if bar is None:
            for other in bars.values():
                other.render_finish()
            bar = bars[phase] = click.progressbar(
                length=max(total, done), label=phase, file=sys.stderr
            )
        bar.length = max(bar.length or 0, done)
        bar.update(done - bar.pos)

    with library_errors():
        report = simulate(
            url,
            preset=preset,
            scale=scale,
            seed=seed,
            progress=progress,
            verify=not no_verify,
            trace_memory=trace_memory,
            batch=batch,
        )
    for bar in bars.values():
        bar.render_finish()
    if as_json:
        emit_json({**asdict(report), "phases": [asdict(p) for p in report.phases]})
        return
    click.echo(f"{preset} at scale {scale} (seed {seed}) on {url}")
    click.echo(f"{'phase':8} {'seconds':>9} {'commands':>9} {'events':>9} {'per s':>7}")
    for p in report.phases:
        click.echo(f"{p.name:8} {p.seconds:9.1f} {p.commands:9d} {p.events:9d} {p.per_second:7.0f}")
    size = f"{report.store_bytes / 2**20:.1f} MiB" if report.store_bytes is not None else "n/a"
    click.echo(
        f"events {report.events}, store {size}, peak RSS {report.max_rss_bytes / 2**20:.0f} MiB"
    )
    if trace_memory:
        click.echo(f"peak traced Python memory {report.peak_traced_bytes / 2**20:.0f} MiB")
    if report.verified is not None:
        click.echo("hash chain verified" if report.verified else "hash chain verification FAILED")
    click.echo(", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
