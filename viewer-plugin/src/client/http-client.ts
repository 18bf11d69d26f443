import {
  type AddSlideRequest,
  AnnotationAck,
  type AnnotationRequest,
  DeleteSlideResult,
  ErrorBody,
  type ErrorCode,
  HealthResponse,
  JobInfo,
  ModelList,
  PromoteModelResult,
  SlideInfo,
  SlideList,
  type StartJobRequest,
  SuggestionList,
} from '@activeseg/protocol';
import type { z } from 'zod';
import { trimSlash } from '../sources/tile-url.js';
import { describeError } from './describe-error.js';
import type { TokenCheck } from './ws-client.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  daemonUrl: string;
  token: string;
  /** Default `globalThis.fetch`; injected in tests. */
  fetch?: FetchLike;
}

export interface UploadSlideOptions {
  /** Display name and the extension the daemon sniffs by; defaults to the file's name. */
  name?: string;
  signal?: AbortSignal;
}

/** A failed daemon call, with a sentence the status bar can show as is. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  /** Protocol error code, or undefined when the daemon was unreachable or answered something unparseable. */
  readonly code: ErrorCode | undefined;
  readonly status: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, details: { code?: ErrorCode; status?: number; field?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.status = details.status;
    this.field = details.field;
  }
}

export interface HttpClient {
  health(): Promise<HealthResponse>;
  /** Whether the daemon still accepts the token: `refused` only on its 401 `UNAUTHORIZED`, never on a network error. */
  checkToken(): Promise<TokenCheck>;
  listSlides(): Promise<SlideList>;
  getSlide(slideId: string): Promise<SlideInfo>;
  addSlide(request: AddSlideRequest): Promise<SlideInfo>;
  /** Sends a local file's bytes; needs the daemon's upload route (`POST /api/uploads?name=`). */
  uploadSlide(file: Blob, options?: UploadSlideOptions): Promise<SlideInfo>;
  listSuggestions(query: { slideId: string; k?: number }): Promise<SuggestionList>;
  submitAnnotation(request: AnnotationRequest): Promise<AnnotationAck>;
  startJob(request: StartJobRequest): Promise<JobInfo>;
  getJob(jobId: string): Promise<JobInfo>;
  cancelJob(jobId: string): Promise<JobInfo>;
  /** Deletes a slide and its derived files; `force` also deletes its annotations (refused without it). */
  deleteSlide(slideId: string, options?: { force?: boolean }): Promise<DeleteSlideResult>;
  listModels(): Promise<ModelList>;
  /** Makes a model version current (promote one kept aside, or roll back). */
  promoteModel(version: number): Promise<PromoteModelResult>;
}

/**
 * fetch wrapper for the daemon's REST routes: sends `Authorization: Bearer`, parses every 2xx body with its
 * protocol schema (a daemon answering something else is a bug worth a clear message, not a silent
 * `undefined` later), and turns error bodies into `DaemonError`s with readable text from the error table.
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = trimSlash(options.daemonUrl);
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function request<S extends z.ZodType>(
    schema: S,
    method: string,
    path: string,
    init: { json?: unknown; body?: Blob; signal?: AbortSignal | undefined } = {},
  ): Promise<z.infer<S>> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body !== undefined) {
      headers['content-type'] = 'application/octet-stream';
      body = init.body;
    }
    const what = `${method} ${path.split('?')[0]}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (err) {
      if (err instanceof Error && err.name === 'AbortError') throw err;
      throw new DaemonError(`Cannot reach the daemon at ${base} (${what})`, { cause: err });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const parsed = ErrorBody.safeParse(json);
      if (parsed.success) {
        const { code, message, field } = parsed.data.error;
        throw new DaemonError(describeError(code, { detail: message, field }), {
          code,
          status: res.status,
          ...(field === undefined ? {} : { field }),
        });
      }
      throw new DaemonError(`The daemon answered ${res.status} ${res.statusText} to ${what}`, { status: res.status });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new DaemonError(`Unexpected response to ${what}: ${issues}`, { status: res.status });
    }
    return parsed.data;
  }

  const id = encodeURIComponent;
  const listSlides = () => request(SlideList, 'GET', '/api/slides');
  return {
    health: () => request(HealthResponse, 'GET', '/api/health'),
    // The slide list is the cheapest route behind the token guard.
    checkToken: () =>
      listSlides().then(
        (): TokenCheck => 'accepted',
        (err: unknown): TokenCheck =>
          err instanceof DaemonError && err.code === 'UNAUTHORIZED' ? 'refused' : 'unknown',
      ),
    listSlides,
    getSlide: (slideId) => request(SlideInfo, 'GET', `/api/slides/${id(slideId)}`),
    addSlide: (req) => request(SlideInfo, 'POST', '/api/slides', { json: req }),
    uploadSlide: (file, opts = {}) => {
      const name = opts.name ?? (file instanceof File ? file.name : 'upload');
      return request(SlideInfo, 'POST', `/api/uploads?name=${id(name)}`, { body: file, signal: opts.signal });
    },
    listSuggestions: ({ slideId, k }) =>
      request(SuggestionList, 'GET', `/api/suggestions?slideId=${id(slideId)}${k === undefined ? '' : `&k=${k}`}`),
    submitAnnotation: (req) => request(AnnotationAck, 'POST', '/api/annotations', { json: req }),
    startJob: (req) => request(JobInfo, 'POST', '/api/jobs', { json: req }),
    getJob: (jobId) => request(JobInfo, 'GET', `/api/jobs/${id(jobId)}`),
    cancelJob: (jobId) => request(JobInfo, 'POST', `/api/jobs/${id(jobId)}/cancel`),
    deleteSlide: (slideId, opts = {}) =>
      request(DeleteSlideResult, 'DELETE', `/api/slides/${id(slideId)}${opts.force ? '?force=true' : ''}`),
    listModels: () => request(ModelList, 'GET', '/api/models'),
    promoteModel: (version) => request(PromoteModelResult, 'POST', `/api/models/${Math.trunc(version)}/promote`),
  };
}
