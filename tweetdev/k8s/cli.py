"""``python -m tweetdev.k8s up|down|status|binaries|images|keep-volumes`` (driven by mk/k8s.mk)."""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from . import build, cluster, images, volumes
from .errors import ClusterError
from .layout import Layout

PROG = "tweetdev.k8s"


def _layout(stack_dir: str | None) -> Layout:
    return Layout.default(Path(stack_dir) if stack_dir else None)


stack_option = click.option("--stack-dir", envvar="STACK_DIR", default=None, show_envvar=True,
                            help="the stack folder; the cluster keeps its files in <it>/k8s (default .stack)")


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="log every step")
def main(verbose: bool) -> None:
    """A single-node Kubernetes cluster built from the Go module proxy, on this machine's loopback side."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("tweetdev.k8s").setLevel(logging.INFO)


@main.command()
def binaries() -> None:
    """Build (or find in ~/.cache/tweetics/k8s) Kubernetes, etcd, CoreDNS, kube-router and pause."""
    built = build.ensure()
    for name, secs in built.items():
        click.echo(f"built {name} in {secs:.0f} s")
    click.echo("binaries ready in " + str(build.components()[0].dir.parent))


@main.command()
@stack_option
@click.option("--no-firewall", is_flag=True, envvar="K8S_NO_FIREWALL", show_envvar=True,
              help="do not run kube-router's NetworkPolicy firewall")
def up(stack_dir: str | None, no_firewall: bool) -> None:
    """Start the cluster (or what of it is not running) and wait for a Ready node and answering CoreDNS."""
    lay = _layout(stack_dir)
    timings = cluster.up(lay, firewall=not no_firewall)
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    click.echo(f"cluster up ({parts}); export KUBECONFIG={lay.kubeconfig}")


@main.command()
@stack_option
def down(stack_dir: str | None) -> None:
    """Stop what `up` started and clean the pods' mounts, netns and iptables chains."""
    stopped = cluster.down(_layout(stack_dir))
    click.echo("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))


@main.command()
@stack_option
def status(stack_dir: str | None) -> None:
    """Which of the cluster's processes run."""
    for name, pid in cluster.status(_layout(stack_dir)).items():
        click.echo(f"{name:24} {'running (pid %d)' % pid if pid else 'stopped'}")


@main.command("images")
@stack_option
@click.argument("names", nargs=-1)
def images_cmd(stack_dir: str | None, names: tuple[str, ...]) -> None:
    """Import the suite's images (default: those deploy/settings.env names) from Docker into the cluster."""
    done = images.import_suite(_layout(stack_dir), list(names) or None)
    click.echo("imported: " + (", ".join(done) if done else "nothing new (all present)"))


@main.command("keep-volumes", hidden=True)
@click.option("--home", required=True)
@click.option("--state", required=True)
def keep_volumes(home: str, state: str) -> None:
    """The volume keeper loop (started by `up`)."""
    volumes.keep(Layout(home=Path(home), state=Path(state)))


def run() -> int:
    try:
        main.main(prog_name=PROG, standalone_mode=False)
    except ClusterError as e:
        click.echo(f"{PROG}: error: {e}", err=True)
        return 1
    except click.UsageError as e:
        click.echo(f"{PROG}: error: {e.format_message()}", err=True)
        return 2
    except click.exceptions.Abort:
        return 130
    return 0
