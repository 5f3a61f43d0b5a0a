import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ArtifactCache, canonicalStatement, Installer, verifyEnvelope } from "@edgefleet/edge-agent";
import { useTempDirs } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";

const doc = readFileSync(new URL("../../docs/artifacts.md", import.meta.url), "utf8");
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const tempDir = useTempDirs("artifact-docs");
const blocks = (lang: string) => [...doc.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] ?? "");

describe("docs/artifacts.md", () => {
  it("shows canonical statement bytes and a signature file that verify with the key it shows", () => {
    const [canonical, publicKey] = blocks("text");
    const envelopeText = blocks("json")[0] ?? "";
    const { statement } = JSON.parse(envelopeText) as { statement: { model: string; version: string; sha256: string } };
    expect(canonicalStatement(statement).toString()).toBe(canonical?.trim());
    expect(verifyEnvelope(Buffer.from(envelopeText), publicKey ?? "", statement)).toEqual({
      model: statement.model,
      version: statement.version,
      sha256: statement.sha256,
    });
  });

  it("signs with the CLI as shown, and the agent installs what it signed", async () => {
    const dir = tempDir();
    const cli = (...args: string[]) =>
      execFileSync(process.execPath, ["--import", "tsx", "packages/edge-agent/src/artifacts/sign.ts", ...args], {
        cwd: repoRoot,
        encoding: "utf8",
        stdio: "pipe",
      });
    const model = join(dir, "detector.onnx");
    writeFileSync(model, randomBytes(4096));
    cli("--generate-key", join(dir, "detector-key.pem"));
    expect(statSync(join(dir, "detector-key.pem")).mode & 0o777).toBe(0o600);
    cli("--key", join(dir, "detector-key.pem"), "--model", "detector", "--version", "2026.11.1", "--out", `${model}.sig`, model);

    const installer = new Installer({ cache: ArtifactCache.open({ root: tempDir() }) });
    const artifact = {
      uri: pathToFileURL(model).href,
      sha256: JSON.parse(readFileSync(`${model}.sig`, "utf8")).statement.sha256,
      sizeBytes: 4096,
      signature: { uri: pathToFileURL(`${model}.sig`).href, publicKeyPem: readFileSync(join(dir, "detector-key.pub.pem"), "utf8") },
    };
    expect(await installer.install({ namespace: "vision", model: "detector", version: "2026.11.1", artifact })).toMatchObject({
      installed: true,
    });
    const downgrade = await installer.install({ namespace: "vision", model: "detector", version: "2026.12.1", artifact });
    expect(downgrade).toMatchObject({ installed: false, refusal: { reason: "version-mismatch" } });

    // The v2 statement a trust policy wants: it names namespace and variant, and nothing else passes where only it counts.
    const scope = ["--namespace", "vision", "--variant", "onnx-fp32"];
    cli("--key", join(dir, "detector-key.pem"), "--model", "detector", "--version", "2026.11.1", ...scope, "--out", `${model}.sig`, model);
    const scoped = { ...artifact, signature: { ...artifact.signature, scopedOnly: true } };
    const request = { namespace: "vision", model: "detector", version: "2026.11.1", artifact: scoped };
    expect(await installer.install({ ...request, variant: "onnx-fp32" })).toMatchObject({ installed: true });
    expect(await installer.install({ ...request, variant: "trt-fp16" })).toMatchObject({
      installed: false,
      refusal: { reason: "signature-invalid", message: 'signature is for variant "onnx-fp32", not "trt-fp16"' },
    });
    expect(() => cli("--key", join(dir, "detector-key.pem"), "--model", "d", "--version", "1", "--namespace", "vision", model)).toThrow(
      /--namespace and --variant go together/,
    );
  });

  it("names the missing flag", () => {
    let stderr = "";
    try {
      execFileSync(process.execPath, ["--import", "tsx", "packages/edge-agent/src/artifacts/sign.ts", "--model", "detector", "x.onnx"], {
        cwd: repoRoot,
        stdio: "pipe",
      });
    } catch (err) {
      stderr = String((err as { stderr: Buffer }).stderr);
    }
    expect(stderr).toMatch(/^--key is required/);
  });
});
