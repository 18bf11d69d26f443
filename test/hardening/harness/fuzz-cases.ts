import type { Rng } from '@activeseg/shared';
import { hugeRleBody } from './huge-rle.js';

/** What the generator knows about the daemon under test (a project with one slide and one annotation). */
export interface FuzzContext {
  slideId: string;
  slideWidth: number;
  slideHeight: number;
  /** clientId of the seeded annotation (a retry with another region must be IDEMPOTENCY_CONFLICT). */
  seededClientId: string;
  /** The daemon runs with this maxAnnotationPixels, so bigger in-bounds regions hit ANNOTATION_TOO_LARGE. */
  maxAnnotationPixels: number;
  token: string;
}

export interface HttpFuzzCase {
  /** Generator family, for the per-family counts in the report. */
  family: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface WsFuzzCase {
  family: string;
  /** Send after a valid hello (true) or as the first frames of the socket (false). */
  afterHello: boolean;
  frame: string | Uint8Array;
  /** A hello with another protocol version: answered PROTOCOL_MISMATCH, then closed with 4001. */
  mismatch?: boolean;
}

// ---- random building blocks -----------------------------------------------------------------------------------

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)]!;

function randomBytes(rng: Rng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

const CHARSETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789_-',
  '../\\%00%2e%2f\u0000\t\n\r "\'{}[]:,',
  'é漢字🧠\u202e\ufeff\ud800\udfff',
];

function randomString(rng: Rng, maxLen: number): string {
  const len = rng.int(maxLen + 1);
  const set = pick(rng, CHARSETS);
  let s = '';
  for (let i = 0; i < len; i++) s += set[rng.int(set.length)];
  return s;
}

/** Just past the field's schema limit (64-char ids, 128-char clientIds, 4096-char paths) or far past it. */
function hugeString(rng: Rng, maxLen: number): string {
  const len = pick(rng, [maxLen + 1, maxLen * 2 + 1, 65_536, 300_000]);
  return pick(rng, ['a', 'Z', '9', '.', '%'])!.repeat(len);
}

/** JSON text nested `depth` levels deep (built as text: JSON.stringify itself would overflow the stack). */
function deepNestText(rng: Rng): string {
  const depth = pick(rng, [64, 1000, 20_000]);
  const array = rng.int(2) === 1;
  return array ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Stands in for a deeply nested value until `stringify` splices the nested text in. */
const DEEP_MARKER = '\u0000__deep__\u0000';
let pendingDeep: string | undefined;
function deepNest(rng: Rng): string {
  pendingDeep = deepNestText(rng);
  return DEEP_MARKER;
}

type Kind = 'id' | 'string' | 'int' | 'object' | 'array' | 'enum';

/** A value that is NOT of `kind` (so a schema expecting `kind` must reject it). */
function wrongTypeValue(rng: Rng, kind: Kind): unknown {
  const pool: unknown[] = [null, true, false, [], {}, [1, 2], { x: 1 }];
  if (kind !== 'int') pool.push(0, 7, -3, 1.5, 1e308);
  // zod's int() rejects unsafe integers too, so 2^53 + 2 and 1e308 are out of range for every int field.
  if (kind === 'int') pool.push(-1, 1.5, -0.5, 1e308, 2 ** 53 + 2, '12', '0x10', '');
  if (kind !== 'string' && kind !== 'id' && kind !== 'enum' && kind !== 'int') pool.push('', 'str', '{}');
  if (kind === 'id') pool.push('', '../etc', 'a/b', 'a b', '%2e%2e', '\u0000', 'x'.repeat(65));
  if (kind === 'enum') pool.push('', 'nope', 'IMAGE', 'png ');
  if (kind === 'object') pool.push('str');
  if (kind === 'array') pool.push('str', { 0: 1 });
  // An empty list is a valid slide.subscribe (it means "all slides"), so it is never a wrong value for an array.
  return pick(rng, kind === 'array' ? pool.filter((v) => !(Array.isArray(v) && v.length === 0)) : pool);
}

// ---- JSON body mutation ---------------------------------------------------------------------------------------

interface FieldSpec {
  path: (string | number)[];
  kind: Kind;
  required: boolean;
  /** Schema max length of a string field (a huge-string mutation goes past it). */
  maxLen?: number;
}

function setAt(obj: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const root = structuredClone(obj) as Record<string | number, unknown>;
  let cur = root;
  for (let i = 0; i < path.length - 1; i++) cur = cur[path[i]!] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (remove) delete cur[last];
  else cur[last] = value;
  return root;
}

/**
 * One mutation of `base` that the schema MUST reject (wrong type, missing required field, over-long or
 * deeply nested value). Unknown extra keys are added on top only, never alone (zod strips them).
 */
function invalidateJson(rng: Rng, base: unknown, fields: FieldSpec[]): { family: string; value: unknown } {
  const f = pick(rng, fields);
  const r = rng.int(5);
  let family: string;
  let value: unknown;
  if (r === 0 && f.required) {
    family = 'missing-field';
    value = setAt(base, f.path, undefined, true);
  } else if (r === 1 && (f.kind === 'string' || f.kind === 'id')) {
    family = 'huge-string';
    value = setAt(base, f.path, hugeString(rng, f.maxLen ?? 64));
  } else if (r === 2) {
    family = 'deep-nesting';
    value = setAt(base, f.path, deepNest(rng));
  } else {
    family = 'wrong-type';
    value = setAt(base, f.path, wrongTypeValue(rng, f.kind));
  }
  if (rng.int(4) === 0 && typeof value === 'object' && value !== null) {
    (value as Record<string, unknown>)[randomString(rng, 12) || 'extra'] = randomString(rng, 20);
  }
  return { family, value };
}

/** A grey PNG whose IHDR claims width × height but carries one tiny IDAT (CRCs are correct, the data is not). */
export function pngWithHeader(width: number, height: number): string {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const idat = Buffer.from([0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]).toString('base64');
}

const stringify = (v: unknown): string => {
  const text = JSON.stringify(v) ?? 'null';
  const deep = pendingDeep;
  pendingDeep = undefined;
  return deep === undefined ? text : text.replace(JSON.stringify(DEEP_MARKER), deep);
};

/** Whole bodies that are not a JSON object of the right shape at all. */
function garbageBody(rng: Rng): { family: string; body: string | Uint8Array } {
  switch (rng.int(7)) {
    case 0:
      return { family: 'binary-garbage', body: randomBytes(rng, 1 + rng.int(4096)) };
    case 1:
      return { family: 'not-json', body: randomString(rng, 200) || '{' };
    case 2:
      return { family: 'truncated-json', body: stringify({ path: '/x', region: { x: 1 } }).slice(0, 1 + rng.int(20)) };
    case 3:
      return { family: 'json-non-object', body: pick(rng, ['null', '0', '"str"', '[]', '[{}]', 'true', '1e999']) };
    case 4:
      return { family: 'deep-nesting', body: deepNestText(rng) };
    case 5:
      return { family: 'empty-body', body: '' };
    default:
      return { family: 'utf16-bom', body: new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]) };
  }
}

// ---- HTTP cases -----------------------------------------------------------------------------------------------

const jsonHeaders = (ctx: FuzzContext): Record<string, string> => ({
  authorization: `Bearer ${ctx.token}`,
  'content-type': 'application/json',
});

const ANNOTATION_FIELDS: FieldSpec[] = [
  { path: ['slideId'], kind: 'id', required: true },
  { path: ['region'], kind: 'object', required: true },
  { path: ['region', 'x'], kind: 'int', required: true },
  { path: ['region', 'y'], kind: 'int', required: true },
  { path: ['region', 'width'], kind: 'int', required: true },
  { path: ['region', 'height'], kind: 'int', required: true },
  { path: ['mask'], kind: 'object', required: true },
  { path: ['mask', 'encoding'], kind: 'enum', required: true },
  { path: ['mask', 'counts'], kind: 'array', required: true },
  { path: ['mask', 'counts', 0], kind: 'int', required: true },
  { path: ['clientId'], kind: 'string', required: true, maxLen: 128 },
];

const SLIDE_FIELDS: FieldSpec[] = [
  { path: ['path'], kind: 'string', required: true, maxLen: 4096 },
  { path: ['name'], kind: 'string', required: false, maxLen: 256 },
];

const JOB_FIELDS: FieldSpec[] = [
  { path: ['kind'], kind: 'enum', required: true },
  { path: ['slideId'], kind: 'id', required: true },
  { path: ['acquisition'], kind: 'enum', required: false },
];

const TRAIN_FIELDS: FieldSpec[] = [
  { path: ['kind'], kind: 'enum', required: true },
  { path: ['mode'], kind: 'enum', required: true },
  { path: ['epochs'], kind: 'int', required: false },
];

function annotationBase(rng: Rng, ctx: FuzzContext): Record<string, unknown> {
  return {
    slideId: ctx.slideId,
    region: { x: rng.int(100), y: rng.int(100), width: 4, height: 2 },
    mask: { encoding: 'rle', counts: [2, 3, 3] },
    clientId: `fuzz-${rng.int(1e9).toString(36)}-xxxx`,
  };
}

/** In-schema annotations the daemon must still refuse: out of bounds, too large, bad mask, conflicts, no slide. */
function semanticAnnotation(rng: Rng, ctx: FuzzContext): { family: string; value: unknown } {
  const base = annotationBase(rng, ctx);
  switch (rng.int(8)) {
    case 7:
      return {
        family: 'png-mask-huge-ihdr',
        value: { ...base, mask: { encoding: 'png-base64', data: pngWithHeader(pick(rng, [16_000, 100_000]), 16_000) } },
      };
    case 0:
      return {
        family: 'annotation-out-of-bounds',
        value: { ...base, region: { x: ctx.slideWidth - rng.int(3), y: 0, width: 4, height: 2 } },
      };
    case 1: {
      const side = Math.ceil(Math.sqrt(ctx.maxAnnotationPixels)) + 1 + rng.int(50);
      return {
        family: 'annotation-too-large',
        value: { ...base, region: { x: 0, y: 0, width: side, height: side }, mask: { encoding: 'rle', counts: [1] } },
      };
    }
    case 2:
      return {
        family: 'rle-sum-mismatch',
        value: { ...base, mask: { encoding: 'rle', counts: [rng.int(7), rng.int(100) + 9] } },
      };
    case 3:
      return {
        family: 'png-mask-garbage',
        value: {
          ...base,
          mask: {
            encoding: 'png-base64',
            data: rng.int(2)
              ? Buffer.from(randomBytes(rng, 1 + rng.int(512))).toString('base64')
              : randomString(rng, 64) || '!',
          },
        },
      };
    case 4:
      return {
        family: 'png-mask-wrong-size',
        // A valid 1×1 grey PNG where the region needs 4×2.
        value: {
          ...base,
          mask: {
            encoding: 'png-base64',
            data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
          },
        },
      };
    case 5:
      return {
        family: 'idempotency-conflict',
        value: { ...base, clientId: ctx.seededClientId, region: { x: 200 + rng.int(100), y: 7, width: 4, height: 2 } },
      };
    default:
      return { family: 'unknown-slide', value: { ...base, slideId: `sl_missing${rng.int(1e6)}` } };
  }
}

const BAD_SEGMENTS = [
  '..',
  '%2e%2e',
  '%2E%2E%2Fetc',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  'a%00b',
  '%2Fetc%2Fpasswd',
  'x'.repeat(65),
  '%ff%fe',
  '%',
  'sl_nope',
  'jb_nope',
  '%20',
  '~root',
  'con',
];

function badSegment(rng: Rng): string {
  if (rng.int(3)) return pick(rng, BAD_SEGMENTS);
  // Percent-encode the UTF-8 bytes (lone surrogates become U+FFFD) so any string makes a sendable path.
  const bytes = Buffer.from(randomString(rng, 30), 'utf8');
  return [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('') || '%2e';
}

/** One malformed HTTP request. Every case is built so that the daemon MUST answer 4xx/5xx with an ErrorBody. */
export function generateHttpCase(rng: Rng, ctx: FuzzContext): HttpFuzzCase {
  const headers = jsonHeaders(ctx);
  const route = rng.int(12);
  const post = (path: string, family: string, body: string | Uint8Array, h = headers): HttpFuzzCase => ({
    family,
    method: 'POST',
    path,
    headers: h,
    body,
  });
  switch (route) {
    case 0:
    case 1:
    case 2: {
      // Annotations: schema violations, semantic refusals and raw garbage.
      const r = rng.int(10);
      if (r < 5) {
        const { family, value } = invalidateJson(rng, annotationBase(rng, ctx), ANNOTATION_FIELDS);
        return post('/api/annotations', `annotations:${family}`, stringify(value));
      }
      if (r < 8) {
        const { family, value } = semanticAnnotation(rng, ctx);
        return post('/api/annotations', `annotations:${family}`, stringify(value));
      }
      const g = garbageBody(rng);
      return post('/api/annotations', `annotations:${g.family}`, g.body);
    }
    case 3:
    case 4: {
      // Slides: the path must never name a readable image, so every case fails.
      const r = rng.int(6);
      if (r < 3) {
        const { family, value } = invalidateJson(rng, { path: '/nonexistent/slide.png', name: 'n' }, SLIDE_FIELDS);
        return post('/api/slides', `slides:${family}`, stringify(value));
      }
      if (r < 5) {
        const path = pick(rng, [
          '/nonexistent/x.tif',
          '/etc/passwd',
          '/proc/self/environ',
          '/dev/zero',
          '/',
          '.',
          '../../../../etc/shadow',
          `/tmp/${randomString(rng, 40) || 'x'}`,
          `\u0000/etc/passwd`,
          'C:\\Windows\\win.ini',
          '/dev/null',
        ]);
        return post('/api/slides', 'slides:bad-path', stringify({ path }));
      }
      const g = garbageBody(rng);
      return post('/api/slides', `slides:${g.family}`, g.body);
    }
    case 5: {
      // Jobs (the fuzz daemon has no engine: even well-formed requests answer MODEL_NOT_READY, and nothing runs).
      const train = rng.int(2) === 1;
      const { family, value } = train
        ? invalidateJson(rng, { kind: 'train', mode: 'finetune', epochs: 3 }, TRAIN_FIELDS)
        : invalidateJson(rng, { kind: 'infer', slideId: ctx.slideId, acquisition: 'bald' }, JOB_FIELDS);
      if (rng.int(5) === 0) {
        const g = garbageBody(rng);
        return post('/api/jobs', `jobs:${g.family}`, g.body);
      }
      return post('/api/jobs', `jobs:${family}`, stringify(value));
    }
    case 6: {
      const seg = badSegment(rng);
      return rng.int(2)
        ? { family: 'job-id', method: 'GET', path: `/api/jobs/${seg}`, headers }
        : post(`/api/jobs/${seg}/cancel`, 'job-cancel-id', '{}');
    }
    case 7: {
      // Tiles and descriptors: bad ids, layers, levels, names; overlays that do not exist yet; out-of-range tiles.
      const id = rng.int(3) ? ctx.slideId : badSegment(rng);
      const layer = rng.int(3) ? pick(rng, ['image', 'uncertainty', 'prediction']) : badSegment(rng);
      const level = pick(rng, ['-1', '99', '1e3', 'abc', '0x1', '', '12', String(rng.int(40))]);
      const tile = pick(rng, ['0_0.gif', '..%2f0_0.jpeg', '1_1', '99999_0.jpeg', '0_99999.png', '-1_0.png', 'a_b.png']);
      if (rng.int(3) === 0) {
        // Overlays at model versions the slide does not have (the fuzz project has no scores) or that are not numbers.
        const v = pick(rng, [String(rng.int(1e9)), '99999999999999999999', '-1', '1e3', '', 'x', '1&v=2']);
        const overlay = pick(rng, ['uncertainty', 'prediction']);
        const path = `/api/slides/${ctx.slideId}/tiles/${overlay}/11/0_0.png?v=${v}&token=${ctx.token}`;
        return { family: 'tile-unknown-v', method: 'GET', path, headers: {} };
      }
      const invalidImage = layer !== 'image' || !/^\d+$/.test(level) || !/^\d+_\d+\.(jpeg|png)$/.test(tile);
      const path = `/api/slides/${id}/tiles/${layer}/${level}/${invalidImage ? tile : '99999_0.jpeg'}`;
      return { family: 'tile-params', method: 'GET', path: `${path}?token=${ctx.token}`, headers: {} };
    }
    case 8: {
      const q = pick(rng, [
        `slideId=${ctx.slideId}&k=0`,
        `slideId=${ctx.slideId}&k=501`,
        `slideId=${ctx.slideId}&k=abc`,
        `slideId=${ctx.slideId}&k=-5`,
        `slideId=${badSegment(rng)}`,
        '',
        `slideId=sl_missing${rng.int(1e6)}`,
        `slideId[]=${ctx.slideId}&k=1.5`,
      ]);
      const route2 = q.startsWith(`slideId=${ctx.slideId}&k`) || rng.int(2) ? '/api/suggestions' : '/api/annotations';
      const query = route2 === '/api/annotations' && q.startsWith(`slideId=${ctx.slideId}`) ? 'slideId=%00' : q;
      return { family: `query:${route2}`, method: 'GET', path: `${route2}?${query}`, headers };
    }
    case 9: {
      // Wrong methods, unknown routes, slide lookups with bad ids.
      const r = rng.int(4);
      if (r === 0) {
        return {
          family: 'wrong-method',
          method: pick(rng, ['PUT', 'DELETE', 'PATCH']),
          path: pick(rng, ['/api/slides', '/api/annotations', '/api/jobs', `/api/slides/${ctx.slideId}`]),
          headers,
          body: '{}',
        };
      }
      if (r === 1) return { family: 'unknown-route', method: 'GET', path: `/api/${badSegment(rng)}/x`, headers };
      const desc = pick(rng, ['', '/image.dzi', '/dzi.xml']);
      return { family: 'slide-id', method: 'GET', path: `/api/slides/${badSegment(rng)}${desc}`, headers };
    }
    case 10: {
      // Auth and origin: no token, wrong token, token in the query where only headers count, foreign origin.
      const r = rng.int(4);
      const body = stringify(annotationBase(rng, ctx));
      if (r === 0) return post('/api/annotations', 'auth:no-token', body, { 'content-type': 'application/json' });
      if (r === 1)
        return post('/api/annotations', 'auth:wrong-token', body, {
          ...headers,
          authorization: `Bearer ${randomString(rng, 50)}`.replace(/[^\x20-\x7e]/g, 'x'),
        });
      if (r === 2)
        return post(`/api/annotations?token=${ctx.token}`, 'auth:query-token-on-post', body, {
          'content-type': 'application/json',
        });
      return post('/api/annotations', 'auth:foreign-origin', body, { ...headers, origin: 'http://evil.test' });
    }
    default: {
      // Valid bodies with a content type the JSON validator does not accept, and over-limit bodies.
      if (rng.int(3) === 0) {
        const big = `{"path":"${'a'.repeat((1 << 20) + rng.int(1000))}"}`;
        return post(pick(rng, ['/api/slides', '/api/jobs']), 'payload-too-large', big);
      }
      const ct = pick(rng, [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        'application/jsonx',
      ]);
      return post('/api/annotations', 'wrong-content-type', stringify(annotationBase(rng, ctx)), {
        ...headers,
        'content-type': ct,
      });
    }
  }
}

// ---- WS cases -------------------------------------------------------------------------------------------------

const HELLO_FIELDS: FieldSpec[] = [
  { path: ['protocolVersion'], kind: 'int', required: true },
  { path: ['lastSeq'], kind: 'int', required: false },
  { path: ['daemonId'], kind: 'string', required: false, maxLen: 64 },
  { path: ['id'], kind: 'string', required: false, maxLen: 64 },
];
const CANCEL_FIELDS: FieldSpec[] = [
  { path: ['jobId'], kind: 'id', required: true },
  { path: ['id'], kind: 'string', required: false, maxLen: 64 },
];
const SUBSCRIBE_FIELDS: FieldSpec[] = [
  { path: ['slideIds'], kind: 'array', required: true },
  { path: ['slideIds', 0], kind: 'id', required: true },
];

/**
 * One malformed client frame. Valid-but-unanswered frames (a correct `slide.subscribe` after hello, a first
 * correct hello) are never produced, so every frame must get exactly one `error` frame back.
 */
export function generateWsCase(rng: Rng): WsFuzzCase {
  const afterHello = rng.int(2) === 1;
  const r = rng.int(11);
  if (r === 10) {
    // A second hello (asking for a replay) is PROTOCOL_VIOLATION and closes the socket.
    return {
      family: 'hello:repeated',
      afterHello: true,
      frame: stringify({ type: 'hello', protocolVersion: 1, lastSeq: rng.int(3) }),
    };
  }
  if (r === 0) return { family: 'binary-frame', afterHello, frame: randomBytes(rng, 1 + rng.int(2048)) };
  if (r === 1) {
    const g = garbageBody(rng);
    return { family: `text:${g.family}`, afterHello, frame: typeof g.body === 'string' ? g.body : 'garbage' };
  }
  if (r === 2) {
    const v = pick(rng, [2, 3, 999, 2 ** 31]);
    return {
      family: 'hello:wrong-protocol-version',
      afterHello,
      frame: stringify({ type: 'hello', protocolVersion: v }),
      mismatch: true,
    };
  }
  if (r === 3) {
    const { family, value } = invalidateJson(
      rng,
      { type: 'hello', protocolVersion: 1, lastSeq: 0, daemonId: 'd' },
      HELLO_FIELDS,
    );
    return { family: `hello:${family}`, afterHello, frame: stringify(value) };
  }
  if (r === 4) {
    const { family, value } = invalidateJson(rng, { type: 'job.cancel', jobId: 'jb_x', id: 'r1' }, CANCEL_FIELDS);
    return { family: `job.cancel:${family}`, afterHello, frame: stringify(value) };
  }
  if (r === 5) {
    // Well-formed cancel of a job that does not exist: JOB_NOT_FOUND after hello, BAD_MESSAGE before.
    return {
      family: 'job.cancel:unknown-job',
      afterHello,
      frame: stringify({ type: 'job.cancel', jobId: `jb_${rng.int(1e9)}` }),
    };
  }
  if (r === 6) {
    const tooMany = rng.int(3) === 0;
    const { family, value } = tooMany
      ? {
          family: 'too-many-ids',
          value: { type: 'slide.subscribe', slideIds: Array.from({ length: 65 }, (_, i) => `sl_${i}`) },
        }
      : invalidateJson(rng, { type: 'slide.subscribe', slideIds: ['sl_a', 'sl_b'] }, SUBSCRIBE_FIELDS);
    return { family: `slide.subscribe:${family}`, afterHello, frame: stringify(value) };
  }
  if (r === 7) {
    const type = pick(rng, [
      '',
      'Hello',
      'slide.delete',
      'job.start',
      '__proto__',
      'constructor',
      randomString(rng, 20),
    ]);
    return { family: 'unknown-type', afterHello, frame: stringify({ type, protocolVersion: 1 }) };
  }
  if (r === 8) {
    return {
      family: 'missing-type',
      afterHello,
      frame: stringify({ protocolVersion: 1, jobId: 'jb_1', slideIds: [] }),
    };
  }
  return {
    family: 'huge-string',
    afterHello,
    frame: stringify({ type: 'hello', protocolVersion: 1, daemonId: 'd'.repeat(pick(rng, [65, 10_000, 500_000])) }),
  };
}

// ---- huge RLE bodies ---------------------------------------------------------------------------------------------

/**
 * One annotation body with millions of RLE runs (1–33 MB), the shape of a noisy 4k² mask from a real viewer, made
 * invalid in one way each so the daemon must refuse it: past the run bound, over the region limit, a negative
 * count at the end of the array, or cut short. (Bodies over the byte limit are the security tests' job.) These are what stalled the event loop before bodies were parsed in
 * the annotation worker.
 */
export function generateHugeRleCase(rng: Rng, ctx: FuzzContext): HttpFuzzCase {
  const headers = jsonHeaders(ctx);
  const post = (family: string, body: Uint8Array): HttpFuzzCase => ({
    family: `huge-rle:${family}`,
    method: 'POST',
    path: '/api/annotations',
    headers,
    body,
  });
  const side = Math.floor(Math.sqrt(ctx.maxAnnotationPixels));
  const small = { x: 0, y: 0, width: side, height: side };
  const wide = { x: 0, y: 0, width: Math.min(ctx.slideWidth, 1500), height: Math.min(ctx.slideHeight, 1000) };
  const clientId = `huge-rle-${rng.int(1e9)}`;
  const base = { slideId: ctx.slideId, clientId };
  switch (rng.int(4)) {
    case 0:
      // A valid RLE padded with up to 4 M zero-length runs: past the bound of pixels + 1 runs.
      return post(
        'zero-padded',
        hugeRleBody({ ...base, region: small, runs: side * side, zeroRuns: 500_000 + rng.int(3_500_000) }),
      );
    case 1: {
      // Millions of genuine runs over a region larger than maxAnnotationPixels.
      const pixels = wide.width * wide.height;
      return post('region-too-large', hugeRleBody({ ...base, region: wide, runs: pixels - rng.int(pixels >> 1) }));
    }
    case 2: {
      // Millions of runs and one negative count at the very end: the schema has to walk them all.
      const pixels = wide.width * wide.height;
      const runs = pixels - rng.int(pixels >> 1);
      return post('negative-last-count', hugeRleBody({ ...base, region: wide, runs, sumError: -(pixels + 1) }));
    }
    default: {
      // A body of millions of runs cut short: only JSON.parse (in the worker) can tell.
      const pixels = wide.width * wide.height;
      const body = hugeRleBody({ ...base, region: wide, runs: pixels - rng.int(pixels >> 1) });
      return post('truncated', body.subarray(0, body.length - 1 - rng.int(1000)));
    }
  }
}
