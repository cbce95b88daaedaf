# A real single-node Kubernetes 1.34 cluster on this machine (tweetdev/k8s, see its README.md):
# Kubernetes, etcd, CoreDNS and kube-router built from the Go module proxy with the local Go (cached in
# ~/.cache/tweetics/k8s/<name>-<version>), containerd, runc and the CNI plugins from Debian.
#
#   make k8s-binaries   the Debian packages and every binary (cold: tens of minutes on 2 cores; warm: seconds)
#   make k8s-up         start the cluster, wait for a Ready node and CoreDNS; kubeconfig in .stack/k8s/kubeconfig
#   make k8s-images     k8s-up, then copy the suite's images (`make images`) from Docker into its containerd
#   make k8s-status     which of its processes run
#   make k8s-down       stop exactly what k8s-up started and clean the pods' mounts, netns and iptables chains
#   make test-k8s       the cluster tests (tests/k8s, marker k8s): the all-in-k8s overlay end to end, then
#                       the cluster itself; `make test` runs it last, after its own session

K8S := $(PY) -m tweetdev.k8s
K8S_DEBS := containerd runc containernetworking-plugins iptables ipset conntrack iproute2

.PHONY: k8s-debs k8s-binaries k8s-up k8s-images k8s-status k8s-down test-k8s

k8s-debs: ## the cluster's Debian packages (containerd, runc, CNI plugins, iptables, ipset, conntrack)
	@missing=$$(for p in $(K8S_DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  [ "$$(id -u)" = 0 ] || { echo "error: the cluster needs Debian's $$missing, and only root can install them" >&2; exit 2; }; \
	  echo "==> installing $$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; }; \
	fi

k8s-binaries: venv k8s-debs ## build (or reuse) Kubernetes 1.34, etcd, CoreDNS, kube-router from the Go module proxy
	$(K8S) binaries

k8s-up: k8s-binaries ## start the single-node cluster; waits for a Ready node and CoreDNS (kubeconfig: .stack/k8s/kubeconfig)
	$(K8S) up

k8s-images: images k8s-up ## import the suite's images (`make images`) into the cluster's containerd
	$(K8S) images

k8s-status: venv ## which of the cluster's processes run
	@$(K8S) status

k8s-down: venv ## stop the cluster's processes and clean the pods' mounts, netns and iptables chains
	$(K8S) down

test-k8s: venv browser images k8s-binaries ## the tests on the single-node cluster (started, and stopped after, unless one runs)
	$(PY) -m pytest -m k8s tests/k8s $(PYTEST_ARGS)
