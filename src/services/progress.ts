/** Progress of a long operation, for a CLI progress bar or edits of a deferred Discord reply. */
export interface ProgressEvent {
  phase: string;
  done: number;
  total: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

export const noProgress: ProgressListener = () => undefined;
