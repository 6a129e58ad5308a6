import { createServer, connect, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

/**
 * A TCP proxy in front of a broker that can swallow one client → broker PUBREL: the broker has
 * sent PUBREC (the QoS 2 message is in its hands, unreleased) and never hears the release. The
 * test then restarts the broker: exactly the window the clean-session loss needs, made certain.
 */
export class PubrelHoldingProxy {
  port = 0;
  /** Swallow the next PUBREL and call this. */
  private onHold: (() => void) | undefined;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    private readonly protocolVersion: 4 | 5 = 4,
  ) {
    this.server = createServer((client) => this.pair(client));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Resolves (after `action` ran) when the next PUBREL has been swallowed. */
  holdNextPubrel(action: () => void): void {
    this.onHold = action;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pair(client: Socket): void {
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    const parser = mqttPacket.parser({ protocolVersion: this.protocolVersion });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'pubrel' && this.onHold) {
        const hold = this.onHold;
        this.onHold = undefined;
        hold();
        return;
      }
      upstream.write(mqttPacket.generate(packet, { protocolVersion: this.protocolVersion }));
    });
    client.on('data', (chunk) => parser.parse(chunk));
  }
}
