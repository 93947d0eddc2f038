
“
½Ø¨†ŽÛŸA"&
46:e5:ea:1f:95:ffd6:ec:b0:4a:ff:46*
	10.0.2.1610.0.2.12
¬u¼È(B¾Ï	ûÅbookinfo"k8s:app=reviews":k8s:io.cilium.k8s.namespace.labels.istio-injection=enabled"(k8s:io.cilium.k8s.policy.cluster=default"8k8s:io.cilium.k8s.policy.serviceaccount=bookinfo-reviews"(k8s:io.kubernetes.pod.namespace=bookinfo"#k8s:security.istio.io/tlsMode=istio"k8s:version=v1*reviews-v1-545db77b95-s6jb8J"reserved:hostPZ3gke-ilya-otel-demo-1-ilya-otel-demo-1-6114bb84-zr1l€š°À‚ê0TCP Flags: ACK, FINÂ>3gke-ilya-otel-demo-1-ilya-otel-demo-1-6114bb84-zr1lÊ>½Ø¨†ŽÛŸA