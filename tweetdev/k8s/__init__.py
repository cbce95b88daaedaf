"""A real single-node Kubernetes cluster for the suite's k8s/ overlays (`make k8s-up` / `make k8s-down`).

Every part is built here from the Go module proxy (Kubernetes, etcd, CoreDNS, kube-router) or comes from
Debian (containerd, runc, CNI plugins, iptables, ipset); see README.md beside this file.
"""
