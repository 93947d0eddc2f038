

¸Ã®Œ„êŞ"&
d2:d9:76:de:f4:906e:3c:ce:d3:9e:a6*
10.244.0.17710.244.0.1102
¸’øF(BôñÚbookinfo"k8s:app=productpage"Gk8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=bookinfo"*k8s:io.cilium.k8s.policy.cluster=kind-kind"<k8s:io.cilium.k8s.policy.serviceacc