import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runPulumi } from "@edgefleet/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type Sshd, startSshd } from "../helpers/sshd.js";

// The K3s site's SSH steps through the real Pulumi engine and its dynamic-provider host, against
// two real sshd hosts (a server and an agent). K3s's installer and binary are replaced by pinned
// local scripts, sent air-gapped, so nothing is downloaded and no Kubernetes starts.
const PROJECT = fileURLToPath(new URL("./ssh-site", import.meta.url));
const SERVER_TOKEN = "server-0123456789abcdef0123456789abcdef";
const AGENT_TOKEN = "agent-fedcba9876543210fedcba9876543210";
const FAKE_CA = "-----BEGIN CERTIFICATE-----\nnot a real CA\n-----END CERTIFICATE-----\n";

/** Stands in for K3s's install.sh: records how it was run and leaves what K3s would, for the steps after it. */
const INSTALL_SH = `#!/bin/sh
set -e
[ "$INSTALL_K3S_SKIP_DOWNLOAD" = true ]
mkdir -p /var/lib/rancher
echo "$INSTALL_K3S_EXEC $INSTALL_K3S_VERSION" > /var/lib/rancher/installed-by-test
if [ "$INSTALL_K3S_EXEC" = server ]; then
  mkdir -p /var/lib/rancher/k3s/server/tls
  printf '%s' '${FAKE_CA}' > /var/lib/rancher/k3s/server/tls/server-ca.crt
  printf 'clusters:\\n- cluster:\\n    server: https://127.0.0.1:6443\\n' > /etc/rancher/k3s/k3s.yaml
  uninstall=/usr/local/bin/k3s-uninstall.sh
else
  uninstall=/usr/local/bin/k3s-agent-uninstall.sh
fi
printf '#!/bin/sh\\nrm /var/lib/rancher/installed-by-test\\n' > $uninstall
chmod 755 $uninstall
`;
/** Stands in for the k3s binary: the server's wait for its node (k3s kubectl ...) succeeds at once. */
const K3S = "#!/bin/sh\nexit 0\n";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let dir: string;
let stateDir: string;
let clientKey: string;
let server: Sshd;
let agent: Sshd;
let configFile: string;

/** `pulumi ...` on the test stack. */
const pulumi = (...args: string[]) => {
  const r = runPulumi([...args, "--stack", "ssh-test", "--config-file", configFile], { cwd: PROJECT, stateDir, timeoutMs: 300_000 });
  return { ...r, ok: r.status === 0 };
};

/** The stack file: two hosts, the air-gapped files with their pins; the secrets are set with --secret. */
function configure(hostKeys: { server: string; agent: string }, binarySha256 = sha256(K3S)): void {
  const files = { installScript: join(dir, "install.sh"), k3s: join(dir, "k3s"), images: join(dir, "images.tar.zst") };
  const host = (name: string, role: string, port: number, hostKey: string) => ({
    name,
    address: "127.0.0.1",
    port,
    user: "root",
    role,
    hardwareClass: "x86-cpu",
    hostKey,
  });
  const config = {
    "edgefleet:cluster": {
      k3s: {
        site: "ssh-test",
        hosts: [host("srv", "server", server.port, hostKeys.server), host("dev", "agent", agent.port, hostKeys.agent)],
        airGap: { installScript: files.installScript, binaries: { amd64: files.k3s }, images: { amd64: files.images } },
        sha256: {
          installScript: sha256(INSTALL_SH),
          binaries: { amd64: binarySha256 },
          images: { amd64: sha256(readFileSync(files.images, "utf8")) },
        },
      },
    },
    "edgefleet:monitoring": { rolloutAnalysis: false },
  };
  // The encrypted secrets and their salt stay as `pulumi config set --secret` wrote them.
  const current = parse(readFileSync(configFile, "utf8")) as { config: Record<string, unknown>; encryptionsalt?: string };
  writeFileSync(configFile, stringify({ ...current, config: { ...current.config, ...config } }));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "edgefleet-k3s-ssh-"));
  stateDir = join(dir, "state");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", join(dir, "client")]);
  clientKey = readFileSync(join(dir, "client"), "utf8");
  const authorized = readFileSync(join(dir, "client.pub"), "utf8").trim();
  [server, agent] = await Promise.all([startSshd(authorized), startSshd(authorized)]);
  writeFileSync(join(dir, "install.sh"), INSTALL_SH);
  writeFileSync(join(dir, "k3s"), K3S);
  writeFileSync(join(dir, "images.tar.zst"), "images\n");
  chmodSync(join(dir, "install.sh"), 0o755);
  configFile = join(dir, "Pulumi.ssh-test.yaml");
  writeFileSync(configFile, "config: {}\n");
  expect(runPulumi(["stack", "init", "ssh-test", "--non-interactive"], { cwd: PROJECT, stateDir }).status).toBe(0);
  for (const [key, value] of [
    ["edgefleet:sshPrivateKey", clientKey],
    ["edgefleet:k3sToken", SERVER_TOKEN],
    ["edgefleet:k3sAgentToken", AGENT_TOKEN],
  ] as const) {
    // From stdin: the key's first line starts with '-', which a command line would take for a flag.
    const r = runPulumi(["config", "set", "--secret", key, "--stack", "ssh-test", "--config-file", configFile], {
      cwd: PROJECT,
      stateDir,
      input: value,
    });
    expect(r.status, r.output).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([server?.dispose(), agent?.dispose()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("K3s site over SSH with pinned host keys (real sshd, real engine)", () => {
  it("refuses a host whose key is not the pinned one, before running anything on it", () => {
    // The agent's pin is the server's key: whatever answers at the agent's address is refused.
    configure({ server: server.hostKey, agent: server.hostKey });
    const up = pulumi("up", "--yes", "--skip-preview");
    expect(up.ok, up.output).toBe(false);
    expect(up.output).toMatch(/ssh root@127\.0\.0\.1:\d+: the host presented ssh-ed25519 key SHA256:\S+, not the pinned SHA256:\S+/);
    expect(up.output).toContain("refused before running anything");
    expect([...agent.written().keys()]).toEqual([]);
  });

  it("installs with the pinned files; the agent holds the agent token in the secure format and never the server token", () => {
    configure({ server: server.hostKey, agent: agent.hostKey });
    const up = pulumi("up", "--yes", "--skip-preview");
    expect(up.ok, up.output).toBe(true);
    expect(server.read("/var/lib/rancher/installed-by-test")).toBe("server v1.32.3+k3s1\n");
    expect(agent.read("/var/lib/rancher/installed-by-test")).toBe("agent v1.32.3+k3s1\n");
    expect(server.read("/etc/rancher/k3s/edgefleet-token")).toBe(SERVER_TOKEN);
    expect(server.read("/etc/rancher/k3s/edgefleet-agent-token")).toBe(AGENT_TOKEN);
    // The secure format: the hash of the server's CA bundle pins it for the agent's first join.
    expect(agent.read("/etc/rancher/k3s/edgefleet-token")).toBe(`K10${sha256(FAKE_CA)}::node:${AGENT_TOKEN}`);
    const agentFiles = agent.written();
    expect(agentFiles.size).toBeGreaterThan(3);
    for (const [path, content] of agentFiles) expect(content, path).not.toContain(SERVER_TOKEN);
    // Nothing secret is in the state in clear.
    const state = runPulumi(["stack", "export", "--stack", "ssh-test"], { cwd: PROJECT, stateDir });
    expect(state.status, state.output).toBe(0);
    for (const secret of [SERVER_TOKEN, AGENT_TOKEN, clientKey.split("\n")[1] ?? ""]) expect(state.output).not.toContain(secret);
  });

  it("refuses to install a staged file whose checksum differs from the pin", () => {
    configure({ server: server.hostKey, agent: agent.hostKey }, sha256("another k3s build\n"));
    const up = pulumi("up", "--yes", "--skip-preview");
    expect(up.ok, up.output).toBe(false);
    expect(up.output).toContain("a staged K3s file does not match its pinned sha256");
    configure({ server: server.hostKey, agent: agent.hostKey });
  });

  it("destroy uninstalls K3s from every host", () => {
    const down = pulumi("destroy", "--yes", "--skip-preview");
    expect(down.ok, down.output).toBe(true);
    expect(server.read("/var/lib/rancher/installed-by-test")).toBeUndefined();
    expect(agent.read("/var/lib/rancher/installed-by-test")).toBeUndefined();
  });
});
