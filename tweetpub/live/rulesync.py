"""Rule sync: make the stream's rules carrying our tag equal to a :class:`~tweetpub.live.rules.RulePlan`,
leaving every other client's rules alone."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import tweepy

from tweetpub.exceptions import LiveSourceError
from tweetpub.live.client import LiveStreamClient
from tweetpub.live.rules import RuleLimitError, RulePlan, plan_sync

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    rule_ids: list[str]
    added: int
    deleted: int
    kept: int
    foreign: int


def sync_rules(client: LiveStreamClient, plan: RulePlan, *, dry_run: bool = False) -> SyncResult:
    """Make the stream's rules tagged ``plan``'s tag equal to ``plan`` and leave everyone else's alone.

    Order: validate the additions with ``dry_run`` first (nothing is deleted for rules X would refuse),
    delete our stale rules (frees room under the count limit), then add the missing ones.
    """
    tag = plan.rules[0].tag
    existing = client.get_rules().get("data") or []
    sync = plan_sync(plan.rules, existing, tag)
    if sync.foreign:
        log.info("leaving %d rules of other clients alone", len(sync.foreign))
    total = len(sync.foreign) + len(sync.keep) + len(sync.add)
    if total > plan.limits.max_rules:  # the count limit is per stream, shared with other clients' rules
        raise RuleLimitError(
            f"{len(sync.keep) + len(sync.add) + len(sync.foreign_same_value)} rules of ours plus "
            f"{len(sync.foreign) - len(sync.foreign_same_value)} of other clients exceed the "
            f"{plan.limits.max_rules}-rule limit of access level '{plan.limits.name}'"
        )
    for rid in sync.foreign_same_value:
        log.warning("rule %s of another client already has one of our values; sharing it", rid)
    if sync.add:
        _check_rule_response(client.add_rules([tweepy.StreamRule(r.value, r.tag) for r in sync.add], dry_run="true"),
                             "validate")  # X documents dry_run as the string true; tweepy would send "True"
    if dry_run:
        return SyncResult(list(sync.keep) + list(sync.foreign_same_value), len(sync.add), len(sync.delete_ids),
                          len(sync.keep), len(sync.foreign))
    if sync.delete_ids:
        _check_rule_response(client.delete_rules(list(sync.delete_ids)), "delete")
        log.info("deleted %d stale rules tagged %s", len(sync.delete_ids), tag)
    ids = list(sync.keep) + list(sync.foreign_same_value)
    if sync.add:
        response = _check_rule_response(
            client.add_rules([tweepy.StreamRule(r.value, r.tag) for r in sync.add]), "add")
        ids += [str(rule["id"]) for rule in response.get("data") or []]
        # a duplicate means someone added the same value meanwhile: share theirs
        ids += [str(err["id"]) for err in response.get("errors") or [] if err.get("title") == "DuplicateRule"]
        log.info("added %d rules tagged %s", len(response.get("data") or []), tag)
    return SyncResult(ids, len(sync.add), len(sync.delete_ids), len(sync.keep), len(sync.foreign))


def _check_rule_response(response: dict, action: str) -> dict:
    problems = [e for e in response.get("errors") or [] if isinstance(e, dict) and e.get("title") != "DuplicateRule"]
    if problems:
        first = problems[0]
        details = "; ".join(str(d) for d in first.get("details") or []) or first.get("message") or ""
        raise LiveSourceError(
            f"the X API refused to {action} rules: {first.get('title', 'error')} {details}".strip()
            + (f" (rule {str(first['value'])[:60]!r})" if first.get("value") else "")
            + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")
        )
    return response
