/**
 * A JSON column's value as JSON text (PostgreSQL json/jsonb): kept as text so that no number loses a
 * digit (JSON.parse would round 2^53 + 1, 0.1000000000000000000001 or 1e400), and written verbatim
 * into a message. The value policy writes it as it is; everything else that stringifies a row
 * (logs, the API) gets its parsed value through `toJSON`.
 */
export class JsonText {
  /** @param json valid, compact JSON text: whitespace outside strings already removed */
  constructor(readonly json: string) {}

  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

// A JSON string (unrolled: no backtracking per character), or a run of the whitespace JSON allows.
const STRING_OR_SPACE = /"[^"\\]*(?:\\.[^"\\]*)*"|[ \t\n\r]+/g;

/**
 * The database's JSON text made compact, each string written as JSON.stringify writes it (so
 * `\u00e9` becomes `é`, as a parse and stringify would give): numbers, key order and repeated keys
 * stay exactly as the database sent them. The text must be valid JSON, as the database guarantees.
 */
export function compactJson(text: string): string {
  return text.replace(STRING_OR_SPACE, (token) => {
    if (token.charCodeAt(0) !== 34) return '';
    // Without a backslash the text is already what JSON.stringify writes: a valid JSON string holds
    // no raw quote or control character.
    return token.includes('\\') ? JSON.stringify(JSON.parse(token) as string) : token;
  });
}

/** The JSON text of a value: a `JsonText` as it is, anything else as JSON.stringify writes it. */
export function jsonTextOf(value: unknown): string | undefined {
  return value instanceof JsonText ? value.json : JSON.stringify(value);
}
