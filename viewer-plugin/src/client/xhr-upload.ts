/** Bytes of an upload the browser has handed to the network so far. */
export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
}

export interface UploadRequest {
  url: string;
  headers: Record<string, string>;
  /** Sent as is: a `File` streams from disk, it is never read into the page. */
  body: Blob;
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
}

/** The daemon's answer, unparsed: the HTTP client checks it like any other response. */
export interface UploadResponse {
  status: number;
  statusText: string;
  text: string;
}

/** Sends one upload; rejects with a `TypeError` when the daemon cannot be reached and an `AbortError` when cancelled. */
export type UploadTransport = (request: UploadRequest) => Promise<UploadResponse>;

/**
 * POSTs a Blob with XMLHttpRequest: fetch can stream a File body too, but reports no upload progress, and a
 * 200 MB slide needs a progress bar. The browser reads the file from disk as it sends, so the page's memory does
 * not grow with the file.
 */
export const xhrUpload: UploadTransport = (request) =>
  new Promise((resolve, reject) => {
    const { signal } = request;
    if (signal?.aborted) {
      reject(new DOMException('The upload was cancelled', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', request.url);
    for (const [name, value] of Object.entries(request.headers)) xhr.setRequestHeader(name, value);
    const onAbort = () => xhr.abort();
    const settle = () => signal?.removeEventListener('abort', onAbort);
    xhr.upload.onprogress = (e) =>
      request.onProgress?.({ sentBytes: e.loaded, totalBytes: e.lengthComputable ? e.total : request.body.size });
    xhr.onload = () => {
      settle();
      resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText });
    };
    xhr.onerror = () => {
      settle();
      reject(new TypeError('the upload failed before the daemon answered'));
    };
    xhr.onabort = () => {
      settle();
      reject(new DOMException('The upload was cancelled', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    xhr.send(request.body);
  });
