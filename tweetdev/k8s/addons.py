"""What every cluster here gets once the API answers: the API server's right to reach the kubelet, CoreDNS
behind kube-dns and the default StorageClass."""
from __future__ import annotations

from . import layout
from .configs import COREDNS_IMAGE

STORAGE_CLASS = "tweetics-local"

# The API server reaches the kubelet (logs, exec, port-forward) as the user of kubeadm's apiserver-kubelet-client
# certificate; the kubelet authorizes through the API (Webhook), so that user needs kubelet-api-admin, which
# kubeadm binds at `init` and `init phase certs` alone does not.
KUBELET_API = """apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "tweetics:kube-apiserver-kubelet-client"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:kubelet-api-admin"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kube-apiserver-kubelet-client}]
"""

COREDNS = f"""apiVersion: v1
kind: ServiceAccount
metadata: {{name: coredns, namespace: kube-system}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: "system:coredns"}}
rules:
  - apiGroups: [""]
    resources: [endpoints, services, pods, namespaces]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: "system:coredns"}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}}
subjects: [{{kind: ServiceAccount, name: coredns, namespace: kube-system}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: coredns, namespace: kube-system}}
data:
  Corefile: |
    .:53 {{
        errors
        health {{
            lameduck 5s
        }}
        ready
        kubernetes {layout.CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }}
        forward . /etc/resolv.conf
        cache 30
        reload
    }}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: coredns
  namespace: kube-system
  labels: {{k8s-app: kube-dns}}
spec:
  replicas: 1
  selector:
    matchLabels: {{k8s-app: kube-dns}}
  template:
    metadata:
      labels: {{k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      priorityClassName: system-cluster-critical
      dnsPolicy: Default
      containers:
        - name: coredns
          image: {COREDNS_IMAGE}
          imagePullPolicy: Never
          args: [-conf, /etc/coredns/Corefile]
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
            limits: {{memory: 170Mi}}
          ports:
            - {{name: dns, containerPort: 53, protocol: UDP}}
            - {{name: dns-tcp, containerPort: 53, protocol: TCP}}
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {{add: [NET_BIND_SERVICE], drop: [ALL]}}
            readOnlyRootFilesystem: true
          livenessProbe:
            httpGet: {{path: /health, port: 8080}}
            initialDelaySeconds: 10
          readinessProbe:
            httpGet: {{path: /ready, port: 8181}}
          volumeMounts:
            - {{name: config, mountPath: /etc/coredns, readOnly: true}}
      volumes:
        - name: config
          configMap:
            name: coredns
            items: [{{key: Corefile, path: Corefile}}]
---
apiVersion: v1
kind: Service
metadata:
  name: kube-dns
  namespace: kube-system
  labels: {{k8s-app: kube-dns, kubernetes.io/name: CoreDNS}}
spec:
  clusterIP: {layout.DNS_SERVICE_IP}
  selector: {{k8s-app: kube-dns}}
  ports:
    - {{name: dns, port: 53, protocol: UDP}}
    - {{name: dns-tcp, port: 53, protocol: TCP}}
"""

STORAGE = f"""apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: {STORAGE_CLASS}
  annotations: {{storageclass.kubernetes.io/is-default-class: "true"}}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
"""


def persistent_volume(name: str, path: str, capacity: str = "100Gi") -> str:
    """A ``local`` volume on the node (unlike hostPath it honours fsGroup, as real storage does)."""
    return f"""apiVersion: v1
kind: PersistentVolume
metadata:
  name: {name}
  labels: {{app.kubernetes.io/managed-by: tweetics-k8s}}
spec:
  capacity: {{storage: {capacity}}}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: {STORAGE_CLASS}
  volumeMode: Filesystem
  local: {{path: {path}}}
  nodeAffinity:
    required:
      nodeSelectorTerms:
        - matchExpressions:
            - {{key: kubernetes.io/hostname, operator: In, values: [{layout.NODE_NAME}]}}
"""
