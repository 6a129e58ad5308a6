import type { IConnackPacket, MqttClient } from 'mqtt';
import type { Clock } from '../../io/clock.js';

/**
 * While held, MQTT.js's reconnect timer is set to a day: the client still notices the broker is
 * gone ('offline', so its events file shows it), but does not come back on its own. Below 2^31 ms,
 * or Node's setInterval would fire at once.
 */
const HELD_RECONNECT_MS = 86_400_000;

/**
 * One client of a run under the experiment's control during a restart, through MQTT.js's public
 * surface only: `options.reconnectPeriod` (read at each disconnect) and `reconnect()` with the
 * client's own stores (without them MQTT.js would start empty stores and forget the QoS 1/2
 * messages it must resend). `ready` tells when the client is really back: the replayer once MQTT.js
 * has resent its store ('connect' comes after that), the recorder once subscribed again when the
 * broker had lost its session (the SUBACK of its resubscription), else at the CONNACK.
 */
export class ClientHold {
  private period = 0;
  private held = false;

  constructor(
    readonly client: MqttClient,
    private readonly waitsForSubscription: boolean,
  ) {}

  /** A client already ended (the replay finished before the restart) is left alone. */
  get ended(): boolean {
    return this.client.disconnecting || this.client.disconnected;
  }

  /** From now on the client does not reconnect by itself. Call before the broker goes. */
  hold(): void {
    if (this.held || this.ended) return;
    this.period = this.client.options.reconnectPeriod ?? 1000;
    this.client.options.reconnectPeriod = HELD_RECONNECT_MS;
    this.held = true;
  }

  /**
   * Lets the client reconnect now (and retry at its own period if the broker refuses it); resolves
   * with its CONNACK time and session-present once it is ready (see the class), or undefined when
   * it was ended meanwhile.
   */
  release(clock: Clock): Promise<{ connackAt: number; sessionPresent: boolean } | undefined> {
    if (!this.held) return Promise.resolve(undefined);
    this.held = false;
    this.client.options.reconnectPeriod = this.period;
    if (this.ended) return Promise.resolve(undefined);
    const back = this.readyAfterReconnect(clock);
    this.client.reconnect({ incomingStore: this.client.incomingStore, outgoingStore: this.client.outgoingStore });
    return back;
  }

  private readyAfterReconnect(clock: Clock): Promise<{ connackAt: number; sessionPresent: boolean } | undefined> {
    const client = this.client;
    return new Promise((resolve) => {
      let connack: { connackAt: number; sessionPresent: boolean } | undefined;
      const done = (value: typeof connack): void => {
        client.removeListener('packetreceive', onPacket);
        client.removeListener('connect', onConnect);
        client.removeListener('end', onEnd);
        resolve(value);
      };
      const onPacket = (packet: { cmd: string }): void => {
        if (packet.cmd === 'connack' && !connack) {
          const c = packet as IConnackPacket;
          if ((c.reasonCode ?? c.returnCode ?? 0) === 0) connack = { connackAt: clock.now(), sessionPresent: Boolean(c.sessionPresent) };
        } else if (packet.cmd === 'suback' && connack && this.waitsForSubscription && !connack.sessionPresent) done(connack);
      };
      const onConnect = (): void => {
        if (connack && !(this.waitsForSubscription && !connack.sessionPresent)) done(connack);
      };
      const onEnd = (): void => done(connack);
      client.on('packetreceive', onPacket);
      client.on('connect', onConnect);
      client.once('end', onEnd);
    });
  }
}
