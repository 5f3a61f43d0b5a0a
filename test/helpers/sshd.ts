import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, Service } from "@edgefleet/tools";

/** What a K3s host writes to, each an overlay inside the sshd's own mount namespace: the machine's own stay untouched. */
const OVERLAID = ["/etc", "/usr/local", "/var/lib", "/root", "/run"];

export interface Sshd {
  readonly port: number;
  /** Its ed25519 host key as ssh-keyscan prints it, less the host name: what a stack pins. */
  readonly hostKey: string;
  /** A file inside its mount namespace (what the commands run over SSH wrote), or undefined. */
  read(path: string): string | undefined;
  /** Every file written under the overlaid directories, path → content. */
  written(): Map<string, string>;
  log(): string;
  dispose(): Promise<void>;
}

/**
 * A real OpenSSH server (Debian's /usr/sbin/sshd) on 127.0.0.1 and a free port, with a host key
 * of its own and one authorised key for root, key-only. It runs in a mount namespace of its own
 * where /etc, /usr/local, /var/lib, /root and /run are overlays on a tmpfs, so what commands do
 * there (install K3s's files) stays in the namespace and is read back through it.
 */
export async function startSshd(authorizedKey: string): Promise<Sshd> {
  const dir = mkdtempSync(join(tmpdir(), "edgefleet-sshd-"));
  const port = await freePort();
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "", "-f", join(dir, "host_ed25519")]);
  writeFileSync(join(dir, "authorized_keys"), `${authorizedKey}\n`, { mode: 0o600 });
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_ed25519")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "PidFile none",
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "",
    ].join("\n"),
  );
  const upper = join(dir, "ns");
  const mounts = OVERLAID.map((d, i) => {
    const up = `${upper}/${i}/up`;
    const work = `${upper}/${i}/work`;
    return `mkdir -p ${up} ${work} && mount -t overlay overlay -o lowerdir=${d},upperdir=${up},workdir=${work} ${d}`;
  });
  const script = [
    `mkdir -p ${upper}`,
    `mount -t tmpfs tmpfs ${upper}`,
    ...mounts,
    "mkdir -p /run/sshd",
    `exec /usr/sbin/sshd -D -e -f ${dir}/sshd_config`,
  ];
  const service = new Service({
    name: "sshd",
    command: "unshare",
    args: ["--mount", "--propagation", "private", "sh", "-ec", script.join("\n")],
    cwd: dir,
    readiness: { tcpPort: port, tcpHost: "127.0.0.1" },
  });
  await service.start();
  const inNamespace = (...args: string[]) =>
    execFileSync("nsenter", ["-t", String(service.pid), "-m", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  const hostKey = readFileSync(join(dir, "host_ed25519.pub"), "utf8").trim();
  return {
    port,
    hostKey,
    read: (path) => {
      try {
        return inNamespace("cat", path);
      } catch {
        return undefined;
      }
    },
    written: () => {
      // The upper dirs hold exactly what was written in the namespace.
      const files = inNamespace("find", upper, "-type", "f", "-path", "*/up/*").split("\n").filter(Boolean);
      return new Map(files.map((f) => [f, inNamespace("cat", f)]));
    },
    log: () => service.output(),
    dispose: async () => {
      await service.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
