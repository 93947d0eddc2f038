
ˆ
òÇëŠ³°–›*

10.156.2.3
10.156.2.22
5ÞÍBÌŸœkube-system"(k8s:io.cilium.k8s.policy.cluster=default"0k8s:io.cilium.k8s.policy.serviceaccount=kube-dns"+k8s:io.kubernetes.pod.namespace=kube-system"k8s:k8s-app=kube-dns*kube-dns-b4f5c58c7-vnx5sJÔÓ›kube-system"(k8s:io.cilium.k8s.policy.cluster=default"6k8s:io.cilium.k8s.policy.serviceaccount=node-local-dns"+k8s:io.kubernetes.pod.namespace=kube-system"k8s:k8s-app=node-local-dns*node-local-dns-88zrpPZ3gke-ilya-otel-demo-2-ilya-otel-demo-2-dac8cc20-hr0zz[¢V
Bistiod-istio-1611.istio-system.svc.istio-system.svc.cluster.local.ÿÿÿÿ*proxy0:A€š°Ò‚ê0‚DNS Answer RCode: Non-Existent Domain TTL: 4294967295 (Proxy istiod-istio-1611.istio-system.svc.istio-system.svc.cluster.local. A)Â>3gke-ilya-otel-demo-2-ilya-otel-demo-2-dac8cc20-hr0zÊ>òÇëŠ³°–›