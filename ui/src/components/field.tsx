import type { ComponentChildren } from 'preact';

/** A labelled form control with its hint and its errors, tied together for screen readers. */
export function Field({
  id,
  label,
  hint,
  errors,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  errors?: string[];
  children: ComponentChildren;
}) {
  return (
    <div class={`field ${errors?.length ? 'has-error' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {errors?.map((message, i) => (
        <p class="field-error" id={i === 0 ? `${id}-error` : undefined} key={message} data-testid={`error-${id}`}>
          {message}
        </p>
      ))}
    </div>
  );
}

/** aria attributes of a control inside <Field>. */
export function describedBy(id: string, errors: string[] | undefined, hint?: boolean) {
  const ids = [errors?.length ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ');
  return { 'aria-invalid': errors?.length ? ('true' as const) : undefined, 'aria-describedby': ids || undefined };
}
