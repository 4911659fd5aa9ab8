// Large bodies of short text lines (insert bodies, log records), written as UTF-8 bytes, and the
// TabSeparated forms of the values insert bodies hold.
import type { Turns } from './turns.js';

/**
 * UTF-8 bytes written into one growing buffer as they are made. Building each line as a string
 * first costs an allocation per piece and the string's encoding at the end; writing short known
 * pieces byte by byte skips both (core/bus/event-log.ts has the figures).
 */
export class Utf8Writer {
  private buf: Buffer;
  private at = 0;

  constructor(expectedBytes = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  /** The buffer, with room for `n` more bytes at `at`. */
  private room(n: number): Buffer {
    if (this.at + n > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + n));
      this.buf.copy(grown, 0, 0, this.at);
      this.buf = grown;
    }
    return this.buf;
  }

  /**
   * A string as UTF-8. Short ASCII strings are copied in a loop, which costs less than the call
   * into the encoder; anything else goes through it (a UTF-16 code unit takes at most 3 bytes).
   */
  text(s: string): void {
    const buf = this.room(3 * s.length);
    if (s.length <= SHORT) {
      let at = this.at, i = 0;
      for (; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i === s.length) { this.at = at; return; }
    }
    this.at += buf.write(s, this.at);
  }

  /** Bytes known ahead (a field name, a separator), encoded once with Buffer.from. */
  bytes(b: Uint8Array): void {
    const buf = this.room(b.length);
    let at = this.at;
    for (let i = 0; i < b.length; i++) buf[at++] = b[i];
    this.at = at;
  }

  /** One ASCII character, by its code. */
  byte(c: number): void {
    this.room(1)[this.at++] = c;
  }

  /** A number as JSON.stringify writes it (small integers come from V8's number-string cache). */
  jsonNumber(n: number): void {
    this.text(Number.isFinite(n) ? `${n}` : 'null');
  }

  /** A string as a JSON literal, as JSON.stringify writes it: plain ASCII is copied as it is. */
  jsonString(s: string): void {
    const buf = this.room(s.length + 2);
    let at = this.at;
    buf[at++] = 34;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // Quote, backslash, control characters and anything past ASCII: JSON.stringify's own escaping.
      if (c < 0x20 || c === 34 || c === 92 || c >= 0x80) { this.text(JSON.stringify(s)); return; }
      buf[at++] = c;
    }
    buf[at++] = 34;
    this.at = at;
  }

  /** What was written. */
  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

/** Longest string Utf8Writer.text copies in a loop. */
const SHORT = 64;

/** Bytes a line is expected to take: the writer's first buffer holds that many a line. */
const LINE_BYTES = 256;

/**
 * The lines of `items` as UTF-8 bytes, each line written into one growing buffer as it is made.
 * Concatenating the lines as strings (`s += line`, or one join of tens of thousands) keeps every
 * piece alive as a rope until the end: long enough to outlive the young generation, so the
 * collector copies and then marks them. At 50k events that cost about five times the formatting
 * itself (10 → 2 µs an event), and the bytes were then encoded from the whole string anyway.
 */
export function utf8Lines<T>(items: readonly T[], line: (item: T) => string): Buffer {
  const w = new Utf8Writer(items.length * LINE_BYTES);
  for (const item of items) w.text(line(item));
  return w.done();
}

/**
 * utf8Lines with turns of the event loop between lines (core/turns.ts), for a body of 100k lines
 * and more, which held the main thread for a large part of a second in one piece.
 */
export async function utf8LinesInTurns<T>(items: readonly T[], line: (item: T) => string, turns: Turns): Promise<Buffer> {
  const w = new Utf8Writer(items.length * LINE_BYTES);
  await turns.each(items, (item) => { w.text(line(item)); });
  return w.done();
}

/** TSV escaping; ids cannot hold whitespace (schema), so only the backslash can occur. */
export const tsvString = (s: string) => (s.includes('\\') ? s.replaceAll('\\', '\\\\') : s);
/** Milliseconds 0 … 999 as the three digits after the point. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** DateTime64(3) as seconds with milliseconds, the form ClickHouse reads in TSV. */
export const tsvMillis = (ms: number) => { const s = Math.floor(ms / 1000); return `${s}.${MILLIS[ms - s * 1000]}`; };
