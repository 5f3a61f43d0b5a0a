import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A TCP relay between the agent and the broker whose connections the test can cut. */
export class TcpProxy {
  private readonly pairs: Array<[Socket, Socket]> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => {
      const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
      client.pipe(upstream).pipe(client);
      const ignore = () => {};
      client.on("error", ignore);
      upstream.on("error", ignore);
      proxy?.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (typeof address !== "object" || address === null) throw new Error("proxy has no port");
    proxy = new TcpProxy(server, address.port);
    return proxy;
  }

  /** Resets every relayed connection on both sides, as a dropped link would end them. */
  cut(): void {
    for (const [client, upstream] of this.pairs.splice(0)) {
      upstream.resetAndDestroy();
      client.resetAndDestroy();
    }
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
