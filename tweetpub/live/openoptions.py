"""The command-line flags of ``stream``/``record --source bluesky|mastodon`` and the options they build.

Kept out of :mod:`tweetpub.cli` so the command module stays small; the CLI adds these flags beside the X
ones and calls :func:`open_options` when ``--source`` is not ``x``.
"""

from __future__ import annotations

from typing import Any, Callable

import click

from tweetpub.exceptions import UsageError

OPEN_ONLY = ("jetstream_url", "mastodon_url", "mastodon_transport", "tags", "local", "token_file", "langs",
             "cursor", "rewind", "zstd_dictionary", "no_filter", "connect_timeout")


def open_source_options() -> list[Callable[..., Any]]:
    """``--source`` and the flags of the open networks (Bluesky Jetstream, Mastodon streaming)."""
    return [
        click.option("--source", type=click.Choice(["x", "bluesky", "mastodon"]), envvar="TWEETPUB_SOURCE",
                     default="x", show_default=True,
                     help="x: the X API v2 filtered stream; bluesky: Jetstream (no account); mastodon: a server's "
                          "streaming API (token needed)."),
        click.option("--jetstream-url", envvar="TWEETPUB_JETSTREAM_URL", default="wss://jetstream2.us-east.bsky.network",
                     show_default=True, help="bluesky: the Jetstream instance."),
        click.option("--mastodon-url", envvar="TWEETPUB_MASTODON_URL", default="https://mastodon.social", show_default=True,
                     help="mastodon: the server."),
        click.option("--mastodon-transport", type=click.Choice(["sse", "websocket"]), default="sse",
                     show_default=True, envvar="TWEETPUB_MASTODON_TRANSPORT",
                     help="mastodon: server-sent events (one connection per stream) or one WebSocket for all. "
                          ""),
        click.option("--tag", "tags", multiple=True, envvar="TWEETPUB_TAG", metavar="TAG[,TAG...]",
                     help="mastodon: hashtag streams, repeatable or a comma list (default: the public timeline). "
                          ""),
        click.option("--local", is_flag=True, help="mastodon: only the server's own posts."),
        click.option("--token-file", envvar="TWEETPUB_TOKEN_FILE", type=click.Path(dir_okay=False),
                     help="mastodon: file holding the access token (else env MASTODON_TOKEN; never on the command "
                          "line)."),
        click.option("--lang", "langs", multiple=True, envvar="TWEETPUB_LANG", metavar="CODE[,CODE...]",
                     help="bluesky/mastodon: keep posts in these languages (record.langs / language). "
                          ""),
        click.option("--cursor", type=click.IntRange(0), metavar="TIME_US",
                     help="bluesky: start from this Jetstream cursor (unix microseconds; default: live)."),
        click.option("--rewind", type=click.FloatRange(0), default=5.0, show_default=True,
                     help="bluesky: on reconnect, replay from this many seconds before the last event seen "
                          "(the repeats are dropped by post identity)."),
        click.option("--zstd-dictionary", envvar="TWEETPUB_ZSTD_DICTIONARY", type=click.Path(dir_okay=False),
                     help="bluesky: ask for compress=true and decompress with this zstd dictionary "
                          "(Jetstream's own)."),
        click.option("--no-filter", is_flag=True, help="bluesky/mastodon: keep every post (ignore --track)."),
        click.option("--connect-timeout", type=click.FloatRange(0.1), default=10.0, show_default=True,
                     help="bluesky/mastodon: seconds to wait for a connection; a source never reached fails at once."),
    ]


def open_options(source: str, track: str, locations: tuple[str, ...], kw: dict[str, Any], **common: Any) -> Any:
    """The options of ``--source bluesky|mastodon`` (pops their flags from ``kw``)."""
    from tweetpub.filters import parse_track
    from tweetpub.live.openrun import OpenOptions

    o = {name: kw.pop(name, None) for name in OPEN_ONLY}
    if locations:
        raise UsageError(f"--locations cannot filter --source {source}: its posts carry no location")
    langs = [x.strip() for v in o["langs"] or () for x in v.split(",") if x.strip()]
    tags = [x.strip() for v in o["tags"] or () for x in v.split(",") if x.strip()]
    if tags and source != "mastodon":
        raise UsageError("--tag is for --source mastodon")
    phrases = [] if o["no_filter"] else parse_track(track)
    url = o["jetstream_url"] if source == "bluesky" else o["mastodon_url"]
    return OpenOptions(source, url, track=phrases, langs=langs, tags=tags, local=bool(o["local"]),
                       token_file=o["token_file"], transport=o["mastodon_transport"], cursor=o["cursor"], rewind_seconds=o["rewind"],
                       zstd_dictionary=o["zstd_dictionary"], connect_timeout=o["connect_timeout"], **common)
