import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay on loopback between a program and a server (the broker, the API server) whose
 * connections the test can cut, or freeze: a frozen relay keeps every connection open and passes
 * nothing either way, as a hung peer or a black-holed network path would.
 */
export class TcpProxy {
  private readonly pairs: Array<[Socket, Socket]> = [];
  /** Connections accepted while frozen: open, never relayed. */
  private readonly held: Socket[] = [];
  private frozen = false;
  /** Connections still to be reset as soon as they are accepted. */
  private refusing = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy?.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("proxy has no port");
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  private accept(client: Socket, targetPort: number): void {
    const ignore = () => {};
    client.on("error", ignore);
    if (this.refusing > 0) {
      this.refusing--;
      client.resetAndDestroy();
      return;
    }
    if (this.frozen) {
      client.pause();
      this.held.push(client);
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    upstream.on("error", ignore);
    client.pipe(upstream).pipe(client);
    this.pairs.push([client, upstream]);
  }

  /** From now on nothing passes, on open connections or new ones, and nothing is closed. */
  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Resets the next n connections as they arrive, as a peer restarting or a flapping link would. */
  refuseNext(n: number): void {
    this.refusing = n;
  }

  /** Resets every relayed connection on both sides, as a dropped link would end them. */
  cut(): void {
    for (const [client, upstream] of this.pairs.splice(0)) {
      upstream.resetAndDestroy();
      client.resetAndDestroy();
    }
    for (const client of this.held.splice(0)) client.resetAndDestroy();
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
