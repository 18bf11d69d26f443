export interface BindFileDropOptions {
  element: HTMLElement;
  onFile: (file: File) => void;
  /** Class set on `element` while files are dragged over it. Default `activeseg-drop`. */
  hoverClass?: string;
}

/** Accepts a file dropped on `element` (the first one); returns the function that removes the handlers. */
export function bindFileDrop(options: BindFileDropOptions): () => void {
  const { element } = options;
  const hover = options.hoverClass ?? 'activeseg-drop';
  const onDragOver = (e: DragEvent): void => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    element.classList.add(hover);
  };
  const onDragLeave = (): void => element.classList.remove(hover);
  const onDrop = (e: DragEvent): void => {
    element.classList.remove(hover);
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    e.preventDefault();
    options.onFile(file);
  };
  element.addEventListener('dragover', onDragOver);
  element.addEventListener('dragleave', onDragLeave);
  element.addEventListener('drop', onDrop);
  return () => {
    element.removeEventListener('dragover', onDragOver);
    element.removeEventListener('dragleave', onDragLeave);
    element.removeEventListener('drop', onDrop);
    element.classList.remove(hover);
  };
}
