import { describe, expect, it } from "vitest";
import { iptablesCleanupScript, kubeIpsetNames, mountsUnder } from "./real-node-host.js";

describe("mountsUnder", () => {
  it("lists the mounts at or under a directory, deepest first, with escaped characters decoded", () => {
    const info = [
      "22 1 254:0 / / rw - ext4 /dev/vda rw",
      "30 22 254:0 /n/kubelet /n/kubelet rw - ext4 /dev/vda rw",
      "31 30 0:5 / /n/kubelet/pods/a/volumes/x rw - tmpfs tmpfs rw",
      "32 22 0:4 net:[1] /n/state/netns/cni-1 rw - nsfs nsfs rw",
      "33 22 0:6 / /n\\040b/x rw - tmpfs tmpfs rw",
      "34 22 0:7 / /nother rw - tmpfs tmpfs rw",
    ].join("\n");
    expect(mountsUnder(info, "/n")).toEqual(["/n/kubelet/pods/a/volumes/x", "/n/state/netns/cni-1", "/n/kubelet"]);
    expect(mountsUnder(info, "/n b")).toEqual(["/n b/x"]);
  });
});

describe("iptablesCleanupScript", () => {
  const save = `*filter
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:KUBE-FIREWALL - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -j ACCEPT
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -j DROP
COMMIT
*nat
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:CNI-abc - [0:0]
:CNI-other - [0:0]
-A POSTROUTING -s 10.244.4.2/32 -m comment --comment "name: \\"edgefleet-1\\" id: \\"x\\"" -j CNI-abc
-A POSTROUTING -s 10.88.0.2/32 -m comment --comment "name: \\"someone-else\\" id: \\"y\\"" -j CNI-other
-A CNI-abc ! -d 224.0.0.0/4 -m comment --comment "name: \\"edgefleet-1\\" id: \\"x\\"" -j MASQUERADE
-A KUBE-SERVICES -j KUBE-MARK-MASQ
COMMIT
`;

  it("removes the node network's CNI rules and chains and every KUBE- chain, flushing before deleting", () => {
    expect(iptablesCleanupScript(save, "edgefleet-1")).toBe(`*filter
-D INPUT -j KUBE-FIREWALL
-F KUBE-FIREWALL
-X KUBE-FIREWALL
COMMIT
*nat
-D POSTROUTING -s 10.244.4.2/32 -m comment --comment "name: \\"edgefleet-1\\" id: \\"x\\"" -j CNI-abc
-F KUBE-SERVICES
-F KUBE-MARK-MASQ
-F CNI-abc
-X KUBE-SERVICES
-X KUBE-MARK-MASQ
-X CNI-abc
COMMIT
`);
  });

  it("is nothing to do on a clean host", () => {
    expect(iptablesCleanupScript("*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n", "edgefleet-1")).toBeUndefined();
  });
});

describe("kubeIpsetNames", () => {
  it("picks kube-router's sets of both families and leaves the host's own", () => {
    expect(kubeIpsetNames("KUBE-SRC-ABCDEFGHIJKLMNOP\nmy-blocklist\ninet6:KUBE-DST-ABCDEFGHIJKLMNOP\n")).toEqual([
      "KUBE-SRC-ABCDEFGHIJKLMNOP",
      "inet6:KUBE-DST-ABCDEFGHIJKLMNOP",
    ]);
  });
});
