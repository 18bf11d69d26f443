import {
  type AddSlideRequest,
  AnnotationAck,
  type AnnotationRequest,
  DeleteAnnotationResult,
  DeleteSlideResult,
  ErrorBody,
  type ErrorCode,
  HealthResponse,
  JobInfo,
  LearningReport,
  ModelList,
  PromoteModelResult,
  SlideAnnotationList,
  SlideInfo,
  SlideList,
  type StartJobRequest,
  SuggestionList,
} from '@activeseg/protocol';
import type { z } from 'zod';
import { trimSlash } from '../sources/tile-url.js';
import { describeError } from './describe-error.js';
import type { TokenCheck } from './ws-client.js';
import { type UploadProgress, type UploadResponse, type UploadTransport, xhrUpload } from './xhr-upload.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface HttpClientOptions {
  daemonUrl: string;
  token: string;
  /** Default `globalThis.fetch`; injected in tests. */
  fetch?: FetchLike;
  /** How `uploadSlide` sends a file; default XMLHttpRequest (upload progress); injected in tests. */
  upload?: UploadTransport;
}

export interface UploadSlideOptions {
  /** Display name and the extension the daemon sniffs by; defaults to the file's name. */
  name?: string;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  /** `refuse`: the daemon answers SLIDE_DUPLICATE when a slide already has these bytes. Default: the daemon's (add). */
  duplicate?: 'add' | 'refuse';
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
  /** Streams a local file's bytes with its size (`POST /api/uploads?name=&size=`), reporting progress. */
  uploadSlide(file: Blob, options?: UploadSlideOptions): Promise<SlideInfo>;
  listSuggestions(query: { slideId: string; k?: number }): Promise<SuggestionList>;
  submitAnnotation(request: AnnotationRequest): Promise<AnnotationAck>;
  startJob(request: StartJobRequest): Promise<JobInfo>;
  getJob(jobId: string): Promise<JobInfo>;
  cancelJob(jobId: string): Promise<JobInfo>;
  /** Deletes a slide and its derived files; `force` also deletes its annotations (refused without it). */
  deleteSlide(slideId: string, options?: { force?: boolean }): Promise<DeleteSlideResult>;
  /** The slide's current annotations (`history`: also the versions edits replaced). */
  listAnnotations(slideId: string, options?: { history?: boolean }): Promise<SlideAnnotationList>;
  /** One annotation version's mask, a region-sized PNG (0 background, 255 myelin). */
  getAnnotationMask(annotationId: string): Promise<Blob>;
  /** Deletes the annotation and every version of it; its cells stop training. */
  deleteAnnotation(annotationId: string): Promise<DeleteAnnotationResult>;
  /** `GET /api/learning`: probe estimates per model version, pre-annotation scores, the stop hint. */
  getLearning(slideId: string): Promise<LearningReport>;
  listModels(): Promise<ModelList>;
  /** Makes a model version current (promote one kept aside, or roll back). */
  promoteModel(version: number): Promise<PromoteModelResult>;
}

/** A body's JSON, or undefined when it is empty or not JSON (the schema check then says what was wrong). */
function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
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
    init: { json?: unknown; body?: Blob; signal?: AbortSignal | undefined; accept?: string } = {},
  ): Promise<z.infer<S>> {
    const res = await send(method, path, init);
    return parseResponse(
      schema,
      { status: res.status, statusText: res.statusText, text: await res.text() },
      `${method} ${path.split('?')[0]}`,
    );
  }

  /** Sends a request; resolves with a 2xx response, throws a DaemonError (with the daemon's code) otherwise. */
  async function send(
    method: string,
    path: string,
    init: { json?: unknown; body?: Blob; signal?: AbortSignal | undefined; accept?: string } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${options.token}`,
      accept: init.accept ?? 'application/json',
    };
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
      throw unreachable(err, what);
    }
    if (res.ok) return res;
    throw errorOf({ status: res.status, statusText: res.statusText, text: await res.text() }, what);
  }

  function unreachable(err: unknown, what: string): unknown {
    if (err instanceof Error && err.name === 'AbortError') return err;
    return new DaemonError(`Cannot reach the daemon at ${base} (${what})`, { cause: err });
  }

  /** A non-2xx answer as a DaemonError carrying the daemon's code and field when its body has them. */
  function errorOf(res: UploadResponse, what: string): DaemonError {
    const parsed = ErrorBody.safeParse(parseJson(res.text));
    if (parsed.success) {
      const { code, message, field } = parsed.data.error;
      return new DaemonError(describeError(code, { detail: message, field }), {
        code,
        status: res.status,
        ...(field === undefined ? {} : { field }),
      });
    }
    return new DaemonError(`The daemon answered ${res.status} ${res.statusText} to ${what}`, { status: res.status });
  }

  function parseResponse<S extends z.ZodType>(schema: S, res: UploadResponse, what: string): z.infer<S> {
    if (res.status < 200 || res.status > 299) throw errorOf(res, what);
    const parsed = schema.safeParse(parseJson(res.text));
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
    uploadSlide: async (file, opts = {}) => {
      const name = opts.name ?? (file instanceof File ? file.name : 'upload');
      const duplicate = opts.duplicate === undefined ? '' : `&duplicate=${opts.duplicate}`;
      const path = `/api/uploads?name=${id(name)}&size=${file.size}${duplicate}`;
      const what = 'POST /api/uploads';
      let res: UploadResponse;
      try {
        res = await (options.upload ?? xhrUpload)({
          url: `${base}${path}`,
          headers: {
            authorization: `Bearer ${options.token}`,
            accept: 'application/json',
            'content-type': 'application/octet-stream',
          },
          body: file,
          signal: opts.signal,
          onProgress: opts.onProgress,
        });
      } catch (err) {
        throw unreachable(err, what);
      }
      return parseResponse(SlideInfo, res, what);
    },
    listSuggestions: ({ slideId, k }) =>
      request(SuggestionList, 'GET', `/api/suggestions?slideId=${id(slideId)}${k === undefined ? '' : `&k=${k}`}`),
    submitAnnotation: (req) => request(AnnotationAck, 'POST', '/api/annotations', { json: req }),
    startJob: (req) => request(JobInfo, 'POST', '/api/jobs', { json: req }),
    getJob: (jobId) => request(JobInfo, 'GET', `/api/jobs/${id(jobId)}`),
    cancelJob: (jobId) => request(JobInfo, 'POST', `/api/jobs/${id(jobId)}/cancel`),
    deleteSlide: (slideId, opts = {}) =>
      request(DeleteSlideResult, 'DELETE', `/api/slides/${id(slideId)}${opts.force ? '?force=true' : ''}`),
    listAnnotations: (slideId, opts = {}) =>
      request(
        SlideAnnotationList,
        'GET',
        `/api/slides/${id(slideId)}/annotations${opts.history ? '?history=true' : ''}`,
      ),
    getAnnotationMask: async (annotationId) =>
      (await send('GET', `/api/annotations/${id(annotationId)}/mask`, { accept: 'image/png' })).blob(),
    deleteAnnotation: (annotationId) =>
      request(DeleteAnnotationResult, 'DELETE', `/api/annotations/${id(annotationId)}`),
    getLearning: (slideId) => request(LearningReport, 'GET', `/api/learning?slideId=${id(slideId)}`),
    listModels: () => request(ModelList, 'GET', '/api/models'),
    promoteModel: (version) => request(PromoteModelResult, 'POST', `/api/models/${Math.trunc(version)}/promote`),
  };
}
