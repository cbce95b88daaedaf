"""The go.mod rewrite that lets Kubernetes and etcd build from their module zips (which leave out siblings)."""
from __future__ import annotations

from tweetdev.k8s.build import published_go_mod

KUBE = """module k8s.io/kubernetes

require (
\tk8s.io/api v0.0.0
\tk8s.io/client-go v0.0.0
)

replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/x/y => github.com/x/y v1.2.3
)
"""

ETCD = """module go.etcd.io/etcd/server/v3

require go.etcd.io/etcd/api/v3 v3.6.16

replace go.etcd.io/etcd/api/v3 => ../api

replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY
"""


def test_staging_replaces_point_at_the_published_modules() -> None:
    out = published_go_mod(KUBE, "v0.34.4")
    assert "\tk8s.io/api => k8s.io/api v0.34.4\n" in out
    assert "\tk8s.io/client-go => k8s.io/client-go v0.34.4\n" in out
    assert "staging" not in out
    assert "\tgithub.com/x/y => github.com/x/y v1.2.3\n" in out  # a replace naming a module is kept


def test_sibling_replaces_are_rewritten_and_guards_of_unrequired_modules_dropped() -> None:
    out = published_go_mod(ETCD, "v3.6.16")
    assert "replace go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.16\n" in out
    assert "FORBIDDEN" not in out and "go.etcd.io/etcd =>" not in out
