import { el } from './el.js';
import { type CreatePanel, renderOnChange } from './panel.js';

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(bytes < 10 * MB ? 1 : 0);

/** Over the viewer while a dropped file is sent: a progress bar, the bytes sent, and Cancel. */
export const createUploadProgress: CreatePanel = ({ intents }) => {
  const label = el('span', { 'data-testid': 'activeseg-upload-label' });
  const bar = el('progress', { max: 1, 'data-testid': 'activeseg-upload-bar' });
  const cancel = el('button', { type: 'button', text: 'Cancel', 'data-testid': 'activeseg-upload-cancel' });
  cancel.addEventListener('click', () => intents.cancelUpload());
  const element = el(
    'div',
    { class: 'activeseg activeseg-upload', 'data-testid': 'activeseg-upload', hidden: true, role: 'status' },
    label,
    bar,
    cancel,
  );
  return {
    element,
    render: renderOnChange(
      (s) => [s.upload],
      ({ upload }) => {
        element.hidden = upload === undefined;
        if (!upload) return;
        element.dataset.phase = upload.phase;
        if (upload.phase === 'ingesting') {
          // No value: an indeterminate bar while the daemon checks and converts the file.
          bar.removeAttribute('value');
          label.textContent = `Adding ${upload.name} (${mb(upload.totalBytes)} MB sent)…`;
        } else {
          bar.value = upload.totalBytes > 0 ? upload.sentBytes / upload.totalBytes : 0;
          label.textContent = `Uploading ${upload.name}: ${mb(upload.sentBytes)} of ${mb(upload.totalBytes)} MB`;
        }
        // Once the daemon has every byte, cancelling only drops the answer; the slide would still be added.
        cancel.disabled = upload.phase === 'ingesting';
      },
    ),
    destroy: () => element.remove(),
  };
};
