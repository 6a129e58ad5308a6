/** The public API of sensortrace: the CLI is a thin layer over these. */
export * from './core/errors.js';
export * from './core/records.js';
export * from './core/csv.js';
export * from './core/duration.js';
export { redactUrl } from './core/redact.js';
export { systemClock, type Clock } from './io/clock.js';
export { openConnection, describeBroker, type ConnectionOptions, type MqttConnection } from './io/mqtt-connection.js';
export { startEmbeddedBroker, type EmbeddedBrokerOptions, type RunningEmbeddedBroker } from './io/embedded-broker.js';
export { MosquittoBroker, findMosquitto, type MosquittoOptions, type StopKind } from './io/mosquitto-broker.js';
export { BufferedFileWriter } from './io/buffered-file-writer.js';
export { readCsvRecords } from './io/csv-file-reader.js';
export { freePort } from './io/free-port.js';
export { runMain } from './cli/main.js';
