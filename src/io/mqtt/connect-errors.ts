import { SensortraceError } from '../../core/errors.js';

/** CONNACK codes that mean "these credentials/this client are not welcome" (3.1.1 and 5). */
export const AUTH_REFUSALS = new Set([4, 5, 0x86, 0x87, 0x8c]);

/** CONNACK codes that mean "not this protocol version" (3.1.1: 1; 5: 0x84): retrying cannot help. */
export const VERSION_REFUSALS = new Set([1, 0x84]);

/**
 * An error before the first CONNACK that is worth failing at once instead of retrying until
 * the deadline: refused credentials (E_AUTH, exit 4), a protocol version the broker does not speak
 * (E_USAGE, exit 2: the -V flag), a name that does not resolve or a TLS
 * handshake that cannot succeed (E_UNREACHABLE, exit 3). Anything else (refused TCP, a reset):
 * undefined, MQTT.js keeps trying.
 */
export function fatalConnectError(error: Error & { code?: number | string }, broker: string): SensortraceError | undefined {
  if (typeof error.code === 'number' && AUTH_REFUSALS.has(error.code)) {
    return new SensortraceError(`broker ${broker} refused the connection: ${error.message}`, 'E_AUTH', undefined, { cause: error });
  }
  if (typeof error.code === 'number' && VERSION_REFUSALS.has(error.code)) {
    // An MQTT 3.1.1-only broker (aedes, older ones) answers -V 5 so; MQTT.js would retry until the deadline.
    return new SensortraceError(`broker ${broker} refused the protocol version (${error.message}): it does not speak the version asked for; try -V 4 (MQTT 3.1.1)`, 'E_USAGE', undefined, { cause: error });
  }
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
    return new SensortraceError(`broker unreachable: cannot resolve ${broker}`, 'E_UNREACHABLE', undefined, { cause: error });
  }
  if (typeof error.code === 'string' && /^(ERR_TLS|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO)/.test(error.code)) {
    return new SensortraceError(`TLS handshake with ${broker} failed: ${error.message}`, 'E_UNREACHABLE', undefined, { cause: error });
  }
  return undefined;
}

/** No CONNACK within the connect timeout (openConnection adds the last error seen, which says why). */
export function unreachableError(broker: string, timeoutMs: number): SensortraceError {
  return new SensortraceError(`broker unreachable: no connection to ${broker} within ${timeoutMs / 1000} s`, 'E_UNREACHABLE');
}
