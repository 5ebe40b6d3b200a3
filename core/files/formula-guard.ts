/** First characters that make a spreadsheet read a cell as a formula ("CSV injection", OWASP). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A plain decimal number: spreadsheets read it as a number, whatever its sign, so it needs no guard. */
const PLAIN_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Makes a text cell harmless to open in a spreadsheet: one starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return gets a leading `'`, which Excel and LibreOffice take as "show as text". Plain numbers
 * (`-12.50`, exact decimals written as text) are left alone so that they stay numbers.
 */
export function guardFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}
