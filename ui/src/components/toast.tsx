/** The outcome of the last action, read out by screen readers. */
export interface ToastMessage {
  kind: 'ok' | 'error';
  text: string;
}

export function Toast({ message, onDismiss }: { message: ToastMessage | null; onDismiss: () => void }) {
  return (
    <div class="toast-area" aria-live="polite" role="status">
      {message && (
        <p class={`toast ${message.kind}`} data-testid="toast">
          {message.text}{' '}
          <button type="button" class="link" onClick={onDismiss} aria-label="Dismiss message">
            ✕
          </button>
        </p>
      )}
    </div>
  );
}
