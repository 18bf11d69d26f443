import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AnnotationAck, AnnotationList, SlideInfo } from '@activeseg/protocol';
import { afterEach, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const ENTRY = join(ROOT, 'test/daemon/fixtures/serve.ts');
const DEMO = join(ROOT, 'demo/axondeepseg-sem/images/sub-rat8_sample-V915.png');
const TOKEN = 'durability-test-token';

const children: ChildProcess[] = [];
let dir: string | undefined;
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function spawnDaemon(projectDir: string): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, projectDir], {
    cwd: ROOT,
    env: { ...process.env, ACTIVESEG_TOKEN: TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`daemon exited early with ${code}`)));
  });
  return { child, origin: (JSON.parse(line) as { origin: string }).origin };
}

const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

it('an acknowledged annotation survives SIGKILL right after the ack', async () => {
  dir = mkdtempSync(join(tmpdir(), 'activeseg-durable-'));
  const first = await spawnDaemon(dir);
  const slide = SlideInfo.parse(
    await (
      await fetch(`${first.origin}/api/slides`, { method: 'POST', headers, body: JSON.stringify({ path: DEMO }) })
    ).json(),
  );
  const res = await fetch(`${first.origin}/api/annotations`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      slideId: slide.id,
      region: { x: 500, y: 500, width: 40, height: 20 },
      mask: { encoding: 'rle', counts: [100, 300, 400] },
      clientId: 'durable-0001',
    }),
  });
  const ack = AnnotationAck.parse(await res.json());
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));

  const second = await spawnDaemon(dir);
  const list = AnnotationList.parse(
    await (await fetch(`${second.origin}/api/annotations?slideId=${slide.id}`, { headers })).json(),
  );
  expect(list.annotations).toEqual([ack]);
  expect(ack.patches.map((p) => [p.col, p.row])).toEqual([
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]);
  second.child.kill('SIGTERM');
  await new Promise((resolve) => second.child.once('exit', resolve));
});
