// Node-RED settings for running the flows of this folder headless:
//   MQTT_HOST=127.0.0.1 MQTT_PORT=1883 node node_modules/node-red/red.js --settings flows/settings.cjs flows/sin.json
// Editor and admin API off, listening on 127.0.0.1 only (NODE_RED_PORT, default 1880; 0: any free port), its
// userDir (.config files, context) in NODE_RED_USER_DIR or a fresh temporary folder, no credential secret prompt.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = {
  uiHost: '127.0.0.1',
  uiPort: Number(process.env.NODE_RED_PORT ?? 1880),
  userDir: process.env.NODE_RED_USER_DIR || mkdtempSync(join(tmpdir(), 'sensortrace-node-red-')),
  disableEditor: true,
  httpAdminRoot: false,
  httpNodeRoot: false,
  credentialSecret: false,
  diagnostics: { enabled: false },
  telemetry: { enabled: false },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
