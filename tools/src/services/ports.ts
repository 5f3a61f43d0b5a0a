import { createServer } from "node:net";

/** Ports this process has handed out: a released port can be the OS's next pick for port 0 again. */
const handedOut = new Set<number>();

/**
 * A TCP port free on 127.0.0.1 right now (the OS picks it), never one this process handed out
 * before: the local platform picks all its ports before starting anything, and two picks must not
 * be the same port. Racy only against other processes' port-0 users.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await osPick();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    return port;
  }
}

function osPick(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
