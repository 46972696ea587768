import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { childEnv } from '../support/cli';

const DEPLOY = path.resolve(__dirname, '../../deploy');
const VERIFY = path.join(DEPLOY, 'verify-units.sh');

/** Whether this machine can verify units: the test says which case it checked, never skips. */
const HAS_SYSTEMD_ANALYZE = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { env: childEnv({}) }).status === 0;

function verify(dir?: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', [VERIFY, ...(dir ? [dir] : [])], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `Key=value` lines of a unit's section (the last one wins, as in systemd for these keys). */
function section(file: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  let current = '';
  for (const line of fs.readFileSync(path.join(DEPLOY, file), 'utf8').split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim());
    if (header) current = header[1]!;
    else if (current === name && /^\w+=/.test(line)) {
      const i = line.indexOf('=');
      out[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  return out;
}

describe(`the systemd units in deploy/ (systemd-analyze ${HAS_SYSTEMD_ANALYZE ? 'available' : 'NOT available: only the untested outcome is checked'})`, () => {
  it('pass systemd-analyze verify, or the check says plainly that they are untested', async () => {
    const result = await verify();
    if (HAS_SYSTEMD_ANALYZE) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^systemd units: verified with systemd \d+.* \(3 units\)\n$/);
    } else {
      expect(result).toMatchObject({ code: 77, stdout: 'systemd units: UNTESTED (systemd-analyze is not available here)\n' });
    }
  });

  it('fails on a unit systemd would only warn about', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-units-'));
    try {
      for (const f of fs.readdirSync(DEPLOY)) if (/\.(service|timer)$/.test(f)) fs.copyFileSync(path.join(DEPLOY, f), path.join(dir, f));
      const unit = path.join(dir, 'streams-manager.service');
      fs.writeFileSync(unit, fs.readFileSync(unit, 'utf8').replace('ProtectHome=yes', 'ProtectHomme=yes'));
      const result = await verify(dir);
      if (HAS_SYSTEMD_ANALYZE) {
        expect(result.code).toBe(1);
        expect(result.stderr).toContain("Unknown key 'ProtectHomme'");
      } else {
        expect(result.code).toBe(77);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says the units are untested, and exits 77, on a machine without systemd-analyze', async () => {
    // A PATH holding the tools the script uses, and not systemd-analyze.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'smb-path-'));
    try {
      for (const tool of ['bash', 'sh', 'node', 'mktemp', 'sed', 'rm', 'mkdir', 'head', 'dirname']) {
        const found = spawnSync('sh', ['-c', `command -v ${tool}`], { env: childEnv({}), encoding: 'utf8' }).stdout.trim();
        if (found) fs.symlinkSync(found, path.join(bin, tool));
      }
      const result = await verify(undefined, { PATH: bin });
      expect(result).toEqual({ code: 77, stdout: 'systemd units: UNTESTED (systemd-analyze is not available here)\n', stderr: '' });
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  it('runs the built bot with the .env, restarts it on failure and waits out its 20 s shutdown', () => {
    const service = section('streams-manager.service', 'Service');
    expect(service.ExecStart).toBe('/usr/bin/node dist/src/main.js');
    expect(service.EnvironmentFile).toBe('/opt/streams-manager-bot/.env');
    expect(service.WorkingDirectory).toBe('/opt/streams-manager-bot');
    expect(service.Restart).toBe('on-failure');
    expect(Number(/^(\d+)s$/.exec(service.TimeoutStopSec ?? '')?.[1])).toBeGreaterThanOrEqual(25);
    // SQLite writes its file and -wal/-journal beside it: the data folder must stay writable.
    expect(service.ProtectSystem).toBe('strict');
    expect(service.ReadWritePaths).toBe('/opt/streams-manager-bot/data');
    expect(service.MemoryDenyWriteExecute).toBeUndefined();
  });

  it('checks /healthz on the configured port and restarts only a bot that is meant to run', () => {
    const check = fs.readFileSync(path.join(DEPLOY, 'streams-manager-health.service'), 'utf8');
    expect(check).toContain('"http://127.0.0.1:$$HEALTH_PORT/healthz"');
    expect(check).toContain('systemctl is-active --quiet streams-manager.service || exit 0');
    expect(check).toContain('systemctl restart streams-manager.service');
    expect(section('streams-manager-health.timer', 'Timer').OnUnitInactiveSec).toBe('2min');
  });
});
