import { homedir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandPath } from "./existing.js";

// biome-ignore lint/suspicious/noTemplateCurlyInString: the stack config's shell syntax, not a template.
const STATE_DIR = "${EDGEFLEET_STATE_DIR}";

describe("expandPath", () => {
  it("expands ~/ and $NAME, braced or bare, as a shell would, and names a variable that is not set", () => {
    const env = { EDGEFLEET_STATE_DIR: "/srv/edgefleet" };
    expect(expandPath("~/.kube/config", env)).toBe(join(homedir(), ".kube/config"));
    expect(expandPath(`${STATE_DIR}/kwok/clusters/edgefleet/kubeconfig.yaml`, env)).toBe(
      "/srv/edgefleet/kwok/clusters/edgefleet/kubeconfig.yaml",
    );
    expect(expandPath("$EDGEFLEET_STATE_DIR/kubeconfig.yaml", env)).toBe("/srv/edgefleet/kubeconfig.yaml");
    expect(() => expandPath(`${STATE_DIR}/kubeconfig.yaml`, {})).toThrow(
      `edgefleet:cluster.kubeconfig (${STATE_DIR}/kubeconfig.yaml) names $EDGEFLEET_STATE_DIR, which is not set`,
    );
  });
});
