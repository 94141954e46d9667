#!/usr/bin/env node
// Checks docker-compose.yml without a container engine: structure, the six Roster services and their settings,
// dependencies and health checks. If a Compose CLI is installed (`docker compose` v2 or the Debian `docker-compose`
// v1), it also runs `config -q` with dummy secrets. Exit code 0 = valid, 1 = problems found, 2 = could not run.
//
//   node deploy/validate-compose.js [path/to/docker-compose.yml]
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROSTER_SERVICES = ['gateway', 'ingestion', 'user-profile', 'segmentation', 'import', 'compliance'];
const INFRA_WITH_HEALTHCHECK = ['nats', 'kurrentdb', 'mongo'];
const REQUIRED_ENV = [
  'NATS_URL',
  'KURRENTDB_URL',
  'MONGO_URL',
  'ROSTER_DATA_DIR',
  'ROSTER_MASTER_KEY',
  'ROSTER_ADMIN_KEY',
  'LOG_LEVEL',
];
// Secrets must come from the operator's environment, never from a default written in the file.
const REQUIRED_FROM_HOST = ['ROSTER_MASTER_KEY', 'ROSTER_ADMIN_KEY'];
// Server URLs must name a service of this file (the host part of the URL).
const URL_ENV = ['NATS_URL', 'KURRENTDB_URL', 'MONGO_URL'];
const DEPENDS_ON_CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];
const GATEWAY_CONTAINER_PORT = 3000;
const DUMMY_ENV = {
  ROSTER_MASTER_KEY: Buffer.alloc(32, 1).toString('base64'),
  ROSTER_ADMIN_KEY: 'validate-compose-dummy-admin-key',
};

/** The `yaml` package is not a direct dependency: use the hoisted copy, else the one nx ships (same parse API). */
function loadYaml() {
  const candidates = ['yaml'];
  try {
    candidates.push(require.resolve('yaml', { paths: [path.dirname(require.resolve('nx/package.json'))] }));
  } catch {
    // nx not installed: only the hoisted copy can help.
  }
  for (const candidate of candidates) {
    try {
      const yaml = require(candidate);
      if (typeof yaml.parse === 'function') return yaml;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function asArray(value) {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `environment` as a map or as a list of KEY=value strings. */
function environmentOf(service) {
  const env = service.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const text = String(entry);
        const eq = text.indexOf('=');
        return eq < 0 ? [text, undefined] : [text.slice(0, eq), text.slice(eq + 1)];
      }),
    );
  }
  return env;
}

/** `depends_on` as a list of names or as a map name → { condition }. */
function dependenciesOf(service) {
  const deps = service.depends_on;
  if (!deps) return [];
  if (Array.isArray(deps)) return deps.map((name) => ({ name: String(name), condition: 'service_started' }));
  return Object.entries(deps).map(([name, spec]) => ({ name, condition: (spec && spec.condition) || 'service_started' }));
}

function commandText(service) {
  return asArray(service.command).join(' ') + ' ' + asArray(service.entrypoint).join(' ');
}

/** Container ports published by `ports`, in short ("8080:3000", "127.0.0.1:8080:3000/tcp") or long syntax. */
function publishedTargets(service) {
  return asArray(service.ports).map((port) => {
    if (port && typeof port === 'object') return { target: Number(port.target), published: port.published };
    const withoutProtocol = String(port).replace(/\/(tcp|udp)$/, '');
    // Split on ':' but not inside ${...} interpolations such as ${PORT:-3000}.
    const parts = withoutProtocol.split(/:(?![^{]*\})/);
    return { target: Number(parts[parts.length - 1]), published: parts.length > 1 ? parts[parts.length - 2] : undefined };
  });
}

function hostOfUrl(value) {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^:/?,]+)/i.exec(String(value));
  return match ? match[1] : undefined;
}

function checkBuild(name, service, baseDir, problems) {
  if (!service.image && !service.build) {
    problems.push(`service "${name}": has neither "image" nor "build"`);
    return;
  }
  if (!service.build) return;
  const build = typeof service.build === 'string' ? { context: service.build } : service.build;
  const context = path.resolve(baseDir, build.context || '.');
  if (!fs.existsSync(context) || !fs.statSync(context).isDirectory()) {
    problems.push(`service "${name}": build context ${path.relative(baseDir, context) || '.'} is not a directory`);
    return;
  }
  const dockerfile = path.resolve(context, build.dockerfile || 'Dockerfile');
  if (!fs.existsSync(dockerfile)) {
    problems.push(`service "${name}": Dockerfile ${path.relative(baseDir, dockerfile)} does not exist`);
  }
}

function checkRosterService(name, service, services, baseDir, problems) {
  if (!service.build || !/deploy\/Dockerfile$/.test(typeof service.build === 'string' ? '' : service.build.dockerfile || '')) {
    problems.push(`service "${name}": must be built from deploy/Dockerfile (build.dockerfile: deploy/Dockerfile)`);
  }

  const entry = `dist/services/${name}/src/main.js`;
  if (!commandText(service).includes(entry)) {
    problems.push(`service "${name}": command must run ${entry} (got: ${commandText(service).trim() || 'the image default'})`);
  }
  const source = path.resolve(baseDir, `services/${name}/src/main.ts`);
  if (!fs.existsSync(source)) {
    problems.push(`service "${name}": ${path.relative(baseDir, source)} does not exist, so ${entry} will not be built`);
  }

  const env = environmentOf(service);
  for (const key of REQUIRED_ENV) {
    if (env[key] === undefined || env[key] === null || String(env[key]).trim() === '') {
      problems.push(`service "${name}": environment variable ${key} is missing or empty`);
    }
  }
  for (const key of REQUIRED_FROM_HOST) {
    if (env[key] !== undefined && !new RegExp(`^\\$\\{${key}:\\?[^}]*\\}$`).test(String(env[key]))) {
      problems.push(`service "${name}": ${key} must be taken from the host environment as \${${key}:?message}, not written in the file`);
    }
  }
  for (const key of URL_ENV) {
    if (env[key] === undefined) continue;
    const host = hostOfUrl(env[key]);
    if (!host) problems.push(`service "${name}": ${key}=${env[key]} is not a URL`);
    else if (!services[host]) problems.push(`service "${name}": ${key} points to host "${host}", which is not a service of this file`);
  }

  const waitsFor = new Set(dependenciesOf(service).map((dep) => dep.name));
  for (const infra of INFRA_WITH_HEALTHCHECK) {
    if (!waitsFor.has(infra)) problems.push(`service "${name}": must depend on "${infra}" (condition: service_healthy)`);
  }
  if (!service.restart && !(service.deploy && service.deploy.restart_policy)) {
    problems.push(`service "${name}": has no restart policy`);
  }
}

function checkDependencies(name, service, services, problems) {
  for (const { name: dep, condition } of dependenciesOf(service)) {
    if (!services[dep]) {
      problems.push(`service "${name}": depends_on "${dep}", which is not a service of this file`);
      continue;
    }
    if (!DEPENDS_ON_CONDITIONS.includes(condition)) {
      problems.push(`service "${name}": depends_on "${dep}" has unknown condition "${condition}"`);
    }
    if (condition === 'service_healthy' && !hasHealthcheck(services[dep])) {
      problems.push(`service "${name}": waits for "${dep}" to be healthy, but "${dep}" has no healthcheck`);
    }
  }
}

function hasHealthcheck(service) {
  const check = service.healthcheck;
  if (!check || check.disable === true) return false;
  const test = asArray(check.test);
  return test.length > 0 && test[0] !== 'NONE';
}

/** Named volumes used by a service must be declared at top level (bind mounts and anonymous volumes are not). */
function checkVolumes(name, service, declared, problems) {
  for (const volume of asArray(service.volumes)) {
    let source;
    if (volume && typeof volume === 'object') {
      source = volume.type === 'volume' ? volume.source : undefined;
    } else {
      const parts = String(volume).split(':');
      source = parts.length > 1 ? parts[0] : undefined; // a lone container path is an anonymous volume
    }
    if (!source || /^[./~$]/.test(source)) continue; // bind mount (path or interpolated path)
    if (!declared.has(source)) problems.push(`service "${name}": named volume "${source}" is not declared under top-level "volumes"`);
  }
}

function validateDocument(doc, baseDir) {
  const problems = [];
  if (!doc || typeof doc !== 'object' || !doc.services || typeof doc.services !== 'object') {
    return ['the file has no top-level "services" mapping'];
  }
  const services = doc.services;
  const declaredVolumes = new Set(Object.keys(doc.volumes || {}));

  for (const [name, service] of Object.entries(services)) {
    if (!service || typeof service !== 'object') {
      problems.push(`service "${name}": is empty`);
      continue;
    }
    checkBuild(name, service, baseDir, problems);
    checkDependencies(name, service, services, problems);
    checkVolumes(name, service, declaredVolumes, problems);
  }

  for (const name of ROSTER_SERVICES) {
    if (!services[name]) problems.push(`Roster service "${name}" is missing`);
    else checkRosterService(name, services[name], services, baseDir, problems);
  }

  for (const name of INFRA_WITH_HEALTHCHECK) {
    if (!services[name]) problems.push(`infrastructure service "${name}" is missing`);
    else if (!hasHealthcheck(services[name])) problems.push(`service "${name}": needs a healthcheck (the Roster services wait for it)`);
  }

  const gateway = services.gateway;
  if (gateway && !publishedTargets(gateway).some((port) => port.target === GATEWAY_CONTAINER_PORT && port.published)) {
    problems.push(`service "gateway": must publish container port ${GATEWAY_CONTAINER_PORT} (ports: "\${PORT:-3000}:3000")`);
  }
  return problems;
}

/** Runs the Compose CLI's own validation when one is installed; returns a problem, a skip note, or undefined. */
function composeCliCheck(file) {
  const env = { ...process.env };
  for (const [key, value] of Object.entries(DUMMY_ENV)) if (!env[key]) env[key] = value;
  const clis = [
    { label: 'docker compose', cmd: 'docker', probe: ['compose', 'version'], run: ['compose', '-f', file, 'config', '-q'] },
    { label: 'docker-compose', cmd: 'docker-compose', probe: ['version'], run: ['-f', file, 'config', '-q'] },
  ];
  for (const cli of clis) {
    const probe = spawnSync(cli.cmd, cli.probe, { encoding: 'utf8', timeout: 30_000 });
    if (probe.error || probe.status !== 0) continue;
    const result = spawnSync(cli.cmd, cli.run, { encoding: 'utf8', env, cwd: path.dirname(file), timeout: 60_000 });
    if (result.error) return { problem: `${cli.label} config -q could not run: ${result.error.message}` };
    if (result.status !== 0) {
      return { problem: `${cli.label} config -q failed (exit ${result.status}):\n${(result.stderr || result.stdout).trim()}` };
    }
    return { note: `${cli.label} config -q: ok` };
  }
  return { note: 'no Compose CLI on PATH (docker compose / docker-compose): skipped its "config -q" check' };
}

function main() {
  const file = path.resolve(process.argv[2] || path.join(__dirname, '..', 'docker-compose.yml'));
  const shown = path.relative(process.cwd(), file) || file;
  if (!fs.existsSync(file)) {
    console.error(`validate-compose: ${shown} does not exist`);
    return 2;
  }
  const yaml = loadYaml();
  if (!yaml) {
    console.error('validate-compose: the "yaml" package is not installed (expected as a dependency of nx); run npm ci');
    return 2;
  }

  let doc;
  try {
    // Compose files use `<<: *anchor` merge keys, which YAML 1.2 parsers only apply when asked to.
    doc = yaml.parse(fs.readFileSync(file, 'utf8'), { merge: true });
  } catch (error) {
    console.error(`validate-compose: ${shown} is not valid YAML: ${error.message}`);
    return 1;
  }

  const problems = validateDocument(doc, path.dirname(file));
  const cli = composeCliCheck(file);
  if (cli.problem) problems.push(cli.problem);

  if (problems.length > 0) {
    console.error(`validate-compose: ${shown} has ${problems.length} problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    return 1;
  }
  const count = Object.keys(doc.services).length;
  console.log(`validate-compose: ${shown} ok (${count} services; ${cli.note})`);
  return 0;
}

if (require.main === module) process.exitCode = main();

module.exports = { validateDocument };
