// RFC 4180 CSV, fed in chunks of any size: quoted fields may hold commas, quotes ("") and line
// breaks, and may span chunks. Rows come out as arrays of strings.
export class CsvParser {
  private field = '';
  private row: string[] = [];
  private quoted = false;
  /** A quote seen inside a quoted field: either the end of the field or the first of "". */
  private quotePending = false;
  private fieldStarted = false;

  constructor(private readonly delimiter = ',') {}

  push(chunk: string): string[][] {
    const rows: string[][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.quoted) {
        if (this.quotePending) {
          this.quotePending = false;
          if (c === '"') { this.field += '"'; continue; }
          this.quoted = false;
        } else if (c === '"') { this.quotePending = true; continue; } else { this.field += c; continue; }
      }
      if (c === '"' && !this.fieldStarted) { this.quoted = true; this.fieldStarted = true; }
      else if (c === this.delimiter) this.endField();
      else if (c === '\n') { this.endField(); rows.push(this.endRow()); }
      else if (c === '\r') { /* CRLF: the \n ends the row */ }
      else { this.field += c; this.fieldStarted = true; }
    }
    return rows;
  }

  /** The last row when the input does not end with a line break. */
  end(): string[][] {
    if (this.quotePending) { this.quotePending = false; this.quoted = false; }
    if (!this.fieldStarted && this.row.length === 0) return [];
    this.endField();
    return [this.endRow()];
  }

  private endField(): void {
    this.row.push(this.field);
    this.field = '';
    this.fieldStarted = false;
  }

  private endRow(): string[] {
    const r = this.row;
    this.row = [];
    return r;
  }
}

export function parseCsv(text: string): string[][] {
  const p = new CsvParser();
  return [...p.push(text.replace(/^\uFEFF/, '')), ...p.end()];
}
