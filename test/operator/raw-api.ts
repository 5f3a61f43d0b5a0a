import * as http from "node:http";
import * as https from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** An API server answer: the HTTP status and the decoded JSON body (a Status on errors). */
export interface RawResponse {
  status: number;
  body: { message?: string; status?: string; [key: string]: unknown };
}

/**
 * Sends JSON to the API server as is. The typed clients re-serialize request bodies through
 * their generated models, which drop keys they do not model under their JSON names, such as a
 * CRD schema's x-kubernetes-validations when given as plain JSON; CRDs therefore go this way.
 */
export async function rawRequest(
  kc: KubeConfig,
  args: { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: string; body?: unknown; contentType?: string },
): Promise<RawResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error("kubeconfig has no current cluster");
  const url = new URL(args.path, server);
  const options: https.RequestOptions = {
    method: args.method,
    headers: { Accept: "application/json", ...(args.body === undefined ? {} : { "Content-Type": args.contentType ?? "application/json" }) },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === "https:" ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} });
      });
    });
    req.on("error", reject);
    if (args.body !== undefined) req.write(JSON.stringify(args.body));
    req.end();
  });
}
