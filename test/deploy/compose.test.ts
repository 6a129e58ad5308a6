import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';

/*
 * No Docker engine runs here, so deploy/ is checked as far as this machine allows: the compose
 * file parses, and every command, flag and path it (and the Dockerfile) names exists in the project.
 */
const root = resolve(import.meta.dirname, '../..');
const deploy = join(root, 'deploy');
const bin = join(root, 'dist/cli/bin.js');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  volumes?: string[];
  command?: string[];
  working_dir?: string;
  depends_on?: string[];
}
const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8')) as { name: string; services: Record<string, Service>; volumes?: Record<string, unknown> };

function help(args: string[]): string {
  const run = spawnSync(process.execPath, [bin, ...args, '--help'], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/** The long flags a command's --help lists. */
const flagsOf = (text: string) => new Set(text.match(/--[a-z][a-z0-9-]*/g) ?? []);

/** A path inside the image (/app/...) → the project file the Dockerfile copies there. */
function projectPathFor(imagePath: string): string {
  expect(imagePath.startsWith('/app/'), `${imagePath} is not under the image's /app`).toBe(true);
  return join(root, imagePath.slice('/app/'.length));
}

describe('deploy/compose.yaml', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('has Mosquitto, Node-RED and sensortrace built from deploy/Dockerfile', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['mosquitto', 'node-red', 'sensortrace']);
    expect(compose.services.mosquitto!.image).toMatch(/^eclipse-mosquitto:/);
    expect(compose.services['node-red']!.image).toMatch(/^nodered\/node-red:/);
    const build = compose.services.sensortrace!.build!;
    const context = resolve(deploy, build.context);
    expect(context).toBe(root);
    expect(existsSync(join(context, build.dockerfile))).toBe(true);
    for (const service of Object.values(compose.services)) for (const dep of service.depends_on ?? []) expect(compose.services).toHaveProperty(dep);
  });

  it('every bind-mounted project file exists; named volumes are declared', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const [source] = volume.split(':') as [string];
        if (source === '/var/run/docker.sock') continue; // the host's engine
        if (!source.startsWith('.') && !source.startsWith('/')) {
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
          continue;
        }
        const path = resolve(deploy, source);
        // ../out is where the experiment writes: made by the run, ignored by git.
        if (path === join(root, 'out')) continue;
        expect(existsSync(path), `${name}: ${source} (${path})`).toBe(true);
      }
    }
  });

  it("sensortrace's command is a real subcommand with real flags, its files are in the image, its broker commands name a service", () => {
    const service = compose.services.sensortrace!;
    const [subcommand, ...args] = service.command!;
    expect(help([])).toContain(`  ${subcommand} `);
    const known = flagsOf(help([subcommand!]));
    const given = args.filter((a) => /^--[a-z]/.test(a));
    expect(given.length).toBeGreaterThan(5);
    for (const flag of given) expect(known, flag).toContain(flag);
    const value = (flag: string) => args[args.indexOf(flag) + 1]!;
    expect(existsSync(projectPathFor(value('--profile')))).toBe(true);
    expect(value('--broker')).toBe('external');
    const url = new URL(value('--broker-url'));
    expect(compose.services).toHaveProperty(url.hostname);
    for (const [flag, verb] of [['--stop-cmd', 'stop'], ['--start-cmd', 'start']] as const) {
      const words = value(flag).split(' ');
      expect(words.slice(0, 3)).toEqual(['docker', 'compose', verb]);
      expect(compose.services).toHaveProperty(words[3]!);
    }
    // `docker compose` inside the container finds the project: this folder is mounted where it runs.
    expect(service.volumes).toContain(`./:${service.working_dir}:ro`);
  });

  it('Node-RED: the flow parses and its broker is the compose Mosquitto', () => {
    const volume = compose.services['node-red']!.volumes!.find((v) => v.endsWith(':/data/flows.json'))!;
    const flows = JSON.parse(readFileSync(resolve(deploy, volume.split(':')[0]!), 'utf8')) as Array<Record<string, unknown>>;
    const broker = flows.find((n) => n.type === 'mqtt-broker')!;
    expect(compose.services).toHaveProperty(broker.broker as string);
    expect(broker.port).toBe('1883');
    // The flow listens where the experiment publishes (its --topic template).
    const args = compose.services.sensortrace!.command!;
    const template = args[args.indexOf('--topic') + 1]!;
    const listens = flows.find((n) => n.type === 'mqtt in')!.topic as string;
    expect(template.replace('{sensor}', '+')).toBe(listens);
  });
});

describe('deploy/Dockerfile', () => {
  const lines = readFileSync(join(deploy, 'Dockerfile'), 'utf8').split('\n');

  it('copies only files that exist in the project, and builds with the project\'s own tsconfig', () => {
    const copies = lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from='));
    expect(copies.length).toBeGreaterThan(3);
    for (const line of copies) {
      const parts = line.split(/\s+/).slice(1);
      for (const source of parts.slice(0, -1)) expect(existsSync(join(root, source)), source).toBe(true);
    }
    expect(lines.join('\n')).toContain('npx tsc -p tsconfig.build.json');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.sensortrace).toBe('dist/cli/bin.js');
    expect(lines.join('\n')).toContain('ln -s /app/dist/cli/bin.js /usr/local/bin/sensortrace');
  });

  it('keeps node_modules, dist, out and .git out of the build context', () => {
    const ignored = readFileSync(join(deploy, 'Dockerfile.dockerignore'), 'utf8').split('\n');
    for (const path of ['node_modules', 'dist', 'out', '.git']) expect(ignored).toContain(path);
  });

  it('the Mosquitto config it mounts has a listener on the port the experiment uses', () => {
    const conf = readFileSync(join(deploy, 'mosquitto/mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^listener 1883$/m);
    expect(conf).toMatch(/^persistence true$/m);
  });
});
