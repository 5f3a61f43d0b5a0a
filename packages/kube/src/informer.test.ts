import { createServer } from "node:net";
import { FakeClock, silentLogger } from "@edgefleet/kit";
import { describe, expect, it } from "vitest";
import { KubeClient } from "./client.js";
import { Informer } from "./informer.js";
import { RESOURCES } from "./objects.js";

/** A loopback port nothing listens on: every request is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("Informer liveness", () => {
  it("counts as down from its start until a first list, through its retries", async () => {
    const clock = new FakeClock();
    const client = new KubeClient({
      credentials: { server: new URL(`http://127.0.0.1:${await closedPort()}`), requestOptions: async () => ({}) },
    });
    let restarts = 0;
    const informer = new Informer({
      client,
      resource: RESOURCES.nodes,
      transform: (o) => o,
      handlers: {},
      log: silentLogger,
      metrics: { restarted: () => restarts++, event: () => {}, objects: () => {} },
      clock,
    });
    expect(informer.downForMs()).toBe(0);
    informer.start();
    for (let i = 0; i < 50 && restarts < 1; i++) await new Promise((r) => setTimeout(r, 20));
    clock.advance(60_000);
    for (let i = 0; i < 50 && restarts < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(informer.downForMs()).toBe(60_000);
    await informer.stop();
    client.close();
  });
});
