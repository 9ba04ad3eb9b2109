export interface ErrorMessageProps {
  /** The message shown; nothing is rendered when null. */
  readonly message: string | null;
  /** Called when the message is dismissed. */
  readonly onDismiss: () => void;
}

/** The visible notice that an update failed on the server and was rolled back. */
export function ErrorMessage({ message, onDismiss }: ErrorMessageProps) {
  if (message === null) return null;
  return (
    <div className="error" role="alert">
      <span className="error-text">{message}</span>
      <button type="button" className="error-dismiss" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}
